package org.maverick.gateway.protocol.responses;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** One item of a response's {@code output}: an assistant message, or a function call the model asks for. */
public sealed interface ResponseOutputItem {

    String id();

    String type();

    /** {@code type: "message"}: the assistant's text, as {@code output_text} parts. */
    record ResponseOutputMessage(String id, String type, String status, String role, List<ResponseOutputText> content)
            implements ResponseOutputItem {
        public static ResponseOutputMessage of(String id, String status, List<ResponseOutputText> content) {
            return new ResponseOutputMessage(id, "message", status, "assistant", content);
        }
    }

    /**
     * {@code type: "function_call"}: a call the client is to run and answer with a {@code function_call_output}
     * input item naming the same {@code call_id}. {@code arguments} is a JSON document as a string.
     */
    record ResponseFunctionToolCall(String id, String type, String status, @JsonProperty("call_id") String callId,
                                    String name, String arguments) implements ResponseOutputItem {
        public static ResponseFunctionToolCall of(String id, String status, String callId, String name,
                                                  String arguments) {
            return new ResponseFunctionToolCall(id, "function_call", status, callId, name, arguments);
        }
    }

    /** A content part of a message: text with (always empty) annotations and logprobs. */
    record ResponseOutputText(String type, String text, List<Object> annotations, List<Object> logprobs) {
        public static ResponseOutputText of(String text) {
            return new ResponseOutputText("output_text", text, List.of(), List.of());
        }
    }
}
