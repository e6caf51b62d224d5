package org.maverick.gateway.api.realtime;

import org.maverick.gateway.api.ErrorRenderer;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.protocol.ChatCompletion;
import org.maverick.gateway.protocol.ErrorResponse;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GenerationEvent;

/**
 * The server→client messages of the realtime WebSocket ({@code /v1/realtime/chat}), one JSON text
 * frame each. Chunks are on the hot path and built as strings around the escaped delta; the rare
 * events go through Jackson.
 */
final class RealtimeEvents {

    static final String PONG = "{\"type\":\"pong\"}";

    private final ObjectMapper json;

    RealtimeEvents(ObjectMapper json) {
        this.json = json;
    }

    /** {@code {"type":"chunk","id":…,"delta":"} — the part of every chunk of one generation before the text. */
    static String chunkHead(String id) {
        return "{\"type\":\"chunk\",\"id\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(id))
                + "\",\"delta\":\"";
    }

    static String chunk(String head, String text) {
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(text);
        return new StringBuilder(head.length() + escaped.length + 2).append(head).append(escaped).append("\"}")
                .toString();
    }

    String done(String id, String requestId, GenerationEvent.Finished finished) {
        return write(new Done("done", id, requestId, finished.reason().wire(), UsageDto.of(finished.usage())));
    }

    /** {@code {"type":"tool_call","id":…,"tool_call":{"index","id","type","function":{"name","arguments"}}}}: one whole call. */
    String toolCall(String id, GenerationEvent.ToolCall call) {
        return write(new ToolCallEvent("tool_call", id, new ToolCallBody(call.index(), call.id(), "function",
                new ChatCompletion.Function(call.name(), call.arguments()))));
    }

    String cancelled(String id, String requestId) {
        return write(new Cancelled("cancelled", id, requestId));
    }

    /** An error about one generation ({@code id}), or about a message that named none ({@code id} null). */
    String error(String id, String requestId, GatewayException e) {
        return write(new Error("error", id, requestId, ErrorRenderer.wire(e)));
    }

    private String write(Object event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    record Done(String type, String id, @JsonProperty("request_id") String requestId,
                @JsonProperty("finish_reason") String finishReason, UsageDto usage) {
    }

    record ToolCallEvent(String type, String id, @JsonProperty("tool_call") ToolCallBody toolCall) {
    }

    record ToolCallBody(int index, String id, String type, ChatCompletion.Function function) {
    }

    record Cancelled(String type, String id, @JsonProperty("request_id") String requestId) {
    }

    record Error(String type, String id, @JsonProperty("request_id") String requestId, ErrorResponse.Error error) {
    }
}
