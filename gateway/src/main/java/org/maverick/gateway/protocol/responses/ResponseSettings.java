package org.maverick.gateway.protocol.responses;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request settings a response echoes, with the values that were applied.
 *
 * @param storeRequested     whether the client asked for the response to be stored ({@code store} true or absent,
 *                           OpenAI's default)
 * @param background         whether it runs in the background ({@code background: true})
 * @param previousResponseId the response this one continues, or null
 */
public record ResponseSettings(String instructions, Integer maxOutputTokens, boolean parallelToolCalls,
                               double temperature, double topP, JsonNode toolChoice, List<JsonNode> tools,
                               String user, Map<String, String> metadata, boolean storeRequested,
                               boolean background, String previousResponseId) {

    /** Settings of a response that neither runs in the background nor continues another. */
    public ResponseSettings(String instructions, Integer maxOutputTokens, boolean parallelToolCalls,
                            double temperature, double topP, JsonNode toolChoice, List<JsonNode> tools,
                            String user, Map<String, String> metadata, boolean storeRequested) {
        this(instructions, maxOutputTokens, parallelToolCalls, temperature, topP, toolChoice, tools, user, metadata,
                storeRequested, false, null);
    }

    /** The settings a stored response object echoes (to replay its stream as it was first written). */
    public static ResponseSettings echoedBy(JsonNode response) {
        List<JsonNode> tools = new ArrayList<>();
        response.path("tools").forEach(tools::add);
        Map<String, String> metadata = new LinkedHashMap<>();
        response.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        JsonNode max = response.get("max_output_tokens");
        return new ResponseSettings(text(response, "instructions"), max == null || max.isNull() ? null : max.asInt(),
                response.path("parallel_tool_calls").asBoolean(true), response.path("temperature").asDouble(),
                response.path("top_p").asDouble(), response.get("tool_choice"), tools, text(response, "user"),
                metadata, response.path("store").asBoolean(), response.path("background").asBoolean(),
                text(response, "previous_response_id"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
