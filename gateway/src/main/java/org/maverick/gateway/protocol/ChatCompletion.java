package org.maverick.gateway.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** OpenAI's non-streamed chat completion. */
public record ChatCompletion(String id, String object, long created, String model, List<Choice> choices,
                             UsageDto usage) {

    public record Choice(int index, Message message, Object logprobs,
                         @JsonProperty("finish_reason") String finishReason) {
    }

    public record Message(String role, String content) {
    }
}
