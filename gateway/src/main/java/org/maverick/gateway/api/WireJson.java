package org.maverick.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;

import java.io.IOException;

/**
 * Reads an OpenAI wire record from JSON for every edge (HTTP body, WebSocket message), turning
 * Jackson's failures into the same {@link InvalidRequest}s: {@code invalid_json} for bytes that are
 * not JSON, {@code invalid_type} with the field path as {@code param} ({@code messages[2].content})
 * for JSON of the wrong shape.
 */
final class WireJson {

    private WireJson() {
    }

    static <T> T read(ObjectMapper json, byte[] body, Class<T> type) {
        try {
            return json.readValue(body, type);
        } catch (IOException e) {
            throw refusal(e);
        }
    }

    /** The same for a request already parsed as a tree (a field of a WebSocket message). */
    static <T> T read(ObjectMapper json, JsonNode body, Class<T> type) {
        try {
            return json.treeToValue(body, type);
        } catch (IOException e) {
            throw refusal(e);
        }
    }

    private static InvalidRequest refusal(IOException e) {
        if (e instanceof JsonMappingException m) {
            String param = path(m);
            return new InvalidRequest(param.isEmpty() ? null : param, (param.isEmpty() ? "The request body" : param)
                    + " has the wrong type or format: " + m.getOriginalMessage().split("\n")[0], "invalid_type");
        }
        if (e instanceof JsonProcessingException p) {
            return new InvalidRequest(null, "The request body is not valid JSON: "
                    + p.getOriginalMessage().split("\n")[0], "invalid_json");
        }
        return new InvalidRequest(null, "The request body could not be read: " + e.getMessage(), "invalid_json");
    }

    /** {@code messages[2].content} from Jackson's reference path. */
    private static String path(JsonMappingException e) {
        StringBuilder p = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (p.length() > 0) {
                    p.append('.');
                }
                p.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                p.append('[').append(ref.getIndex()).append(']');
            }
        }
        return p.toString();
    }
}
