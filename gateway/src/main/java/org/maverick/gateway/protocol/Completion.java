package org.maverick.gateway.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** OpenAI's non-streamed (legacy) text completion. */
public record Completion(String id, String object, long created, String model, List<Choice> choices,
                         UsageDto usage) {

    public record Choice(String text, int index, Object logprobs, @JsonProperty("finish_reason") String finishReason) {
    }
}
