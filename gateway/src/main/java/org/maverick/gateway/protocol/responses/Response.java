package org.maverick.gateway.protocol.responses;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * OpenAI's response object ({@code object: "response"}), as the official SDKs parse it: every field their
 * builders require is present, nullable ones as JSON null. The request's settings are echoed with the values
 * that were applied (defaults filled in). {@code output_text} is not sent: the SDKs derive it from the
 * {@code output_text} parts.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Response(
        String id,
        String object,
        @JsonProperty("created_at") long createdAt,
        String status,
        ResponseError error,
        @JsonProperty("incomplete_details") IncompleteDetails incompleteDetails,
        String instructions,
        @JsonProperty("max_output_tokens") Integer maxOutputTokens,
        String model,
        List<ResponseOutputItem> output,
        @JsonProperty("parallel_tool_calls") boolean parallelToolCalls,
        @JsonProperty("previous_response_id") String previousResponseId,
        Object reasoning,
        boolean store,
        boolean background,
        double temperature,
        ResponseTextConfig text,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        List<JsonNode> tools,
        @JsonProperty("top_p") double topP,
        String truncation,
        ResponseUsage usage,
        String user,
        Map<String, String> metadata) {

    public static final String OBJECT = "response";

    /** {@code status}: the lifecycle OpenAI names. */
    public static final String QUEUED = "queued";
    public static final String IN_PROGRESS = "in_progress";
    public static final String COMPLETED = "completed";
    public static final String INCOMPLETE = "incomplete";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    /** Whether a response with this status has ended (nothing more will change it). */
    public static boolean terminal(String status) {
        return COMPLETED.equals(status) || INCOMPLETE.equals(status) || FAILED.equals(status)
                || CANCELLED.equals(status);
    }

    /** Why a response is {@code incomplete}: here only {@code max_output_tokens}. */
    public record IncompleteDetails(String reason) {
    }

    /** The error of a {@code failed} response; {@code code} is one of OpenAI's response error codes. */
    public record ResponseError(String code, String message) {
    }

    /** {@code text}: only the plain text format is produced. */
    public record ResponseTextConfig(Format format) {
        public static final ResponseTextConfig TEXT = new ResponseTextConfig(new Format("text"));

        public record Format(String type) {
        }
    }
}
