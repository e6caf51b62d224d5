package org.maverick.gateway.responses;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A stored response as it is kept in the compacted topic {@code maverick.responses} (key = response id, value
 * {@code stored-response.v1}): who owns it, its input items and the response object as {@code GET} returns it.
 * Every change writes the whole record again; a tombstone deletes it.
 *
 * @param tenant             the tenant whose API key created it; nobody else sees it
 * @param createdAtMillis    when it was accepted (epoch ms): a background run's events are read from there
 * @param expiresAtMillis    when it is deleted (last change + {@code gateway.responses.retention})
 * @param previousResponseId the response it continues, or null
 * @param inputItems         its own input as items with ids ({@code GET …/input_items}), without the chain's
 * @param response           OpenAI's response object, its {@code status} the response's state
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StoredResponse(int version, String id, String tenant,
                             @JsonProperty("created_at_ms") long createdAtMillis,
                             @JsonProperty("expires_at_ms") long expiresAtMillis,
                             boolean background,
                             @JsonProperty("previous_response_id") String previousResponseId,
                             @JsonProperty("input_items") List<JsonNode> inputItems,
                             ObjectNode response) {

    public static final int VERSION = 1;
    public static final String SCHEMA = "stored-response.v1";

    public String status() {
        JsonNode s = response.get("status");
        return s == null ? "" : s.asText();
    }

    /** The same response with another response object (status, output, usage) and expiry. */
    public StoredResponse with(ObjectNode newResponse, long newExpiresAtMillis) {
        return new StoredResponse(version, id, tenant, createdAtMillis, newExpiresAtMillis, background,
                previousResponseId, inputItems, newResponse);
    }

    /** The response object with {@code status} and, when given, other fields replaced. */
    public ObjectNode responseWith(String status) {
        ObjectNode copy = response.deepCopy();
        copy.put("status", status);
        return copy;
    }
}
