package org.maverick.gateway.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** OpenAI's non-streamed chat completion. */
public record ChatCompletion(String id, String object, long created, String model, List<Choice> choices,
                             UsageDto usage) {

    public record Choice(int index, Message message, Object logprobs,
                         @JsonProperty("finish_reason") String finishReason) {
    }

    /** The answer: text (null when the model only called tools) and the tool calls, left out when there are none. */
    public record Message(String role, String content,
                          @JsonProperty("tool_calls") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ToolCall> toolCalls) {
        public Message(String role, String content) {
            this(role, content, List.of());
        }
    }

    /** One tool call: {@code arguments} is a JSON object as a string, as OpenAI sends it. */
    public record ToolCall(String id, String type, Function function) {
        public ToolCall(String id, String name, String arguments) {
            this(id, "function", new Function(name, arguments));
        }
    }

    public record Function(String name, String arguments) {
    }
}
