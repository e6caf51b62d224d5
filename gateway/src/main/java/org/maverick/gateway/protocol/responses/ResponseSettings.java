package org.maverick.gateway.protocol.responses;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * The request settings a response echoes, with the values that were applied.
 *
 * @param storeRequested whether the client asked for the response to be stored ({@code store} true or absent,
 *                       OpenAI's default); it never is here, and the answer says so
 */
public record ResponseSettings(String instructions, Integer maxOutputTokens, boolean parallelToolCalls,
                               double temperature, double topP, JsonNode toolChoice, List<JsonNode> tools,
                               String user, Map<String, String> metadata, boolean storeRequested) {
}
