package org.maverick.gateway.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** OpenAI's model listing. */
public record ModelList(String object, List<ModelCard> data) {

    public record ModelCard(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {
    }
}
