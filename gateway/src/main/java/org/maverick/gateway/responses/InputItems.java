package org.maverick.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A request's {@code input} as the items {@code GET /v1/responses/{id}/input_items} lists, and a stored response
 * turned back into input for the response that continues it ({@code previous_response_id}). Pure; the input was
 * checked by the request parser before it is stored here.
 *
 * <p>Items get the shapes OpenAI's SDKs parse: each has an {@code id} (the client's own, else derived from the
 * response id and the item's position), messages have a list of content parts ({@code input_text} for a string
 * a user, system or developer sent, {@code output_text} with annotations for an assistant's) and a
 * {@code status}.
 */
public final class InputItems {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private InputItems() {
    }

    /** The input of the response {@code responseId} ({@code input} of its request) as items with ids. */
    public static List<JsonNode> of(String responseId, JsonNode input) {
        String base = responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
        List<JsonNode> items = new ArrayList<>();
        if (input == null || input.isNull()) {
            return items;
        }
        if (input.isTextual()) {
            items.add(message("msg_" + base + "_in0", "user", input));
            return items;
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String type = item.hasNonNull("type") ? item.get("type").asText() : "message";
            ObjectNode out;
            switch (type) {
                case "message" -> out = message(id(item, "msg_" + base + "_in" + i), item.path("role").asText(),
                        item.get("content"));
                case "function_call" -> {
                    out = item.deepCopy();
                    out.put("id", id(item, "fc_" + base + "_in" + i));
                    out.put("status", "completed");
                }
                case "function_call_output" -> {
                    out = item.deepCopy();
                    out.put("id", id(item, "fco_" + base + "_in" + i));
                    out.put("status", "completed");
                }
                default -> {
                    out = item.deepCopy();
                    out.put("id", id(item, "item_" + base + "_in" + i));
                }
            }
            items.add(out);
        }
        return items;
    }

    /**
     * What a response contributes to the conversation that continues it: its input items, then its output items
     * as the assistant's turn (messages with their {@code output_text}, and {@code function_call}s).
     */
    public static List<JsonNode> conversation(StoredResponse stored) {
        List<JsonNode> out = new ArrayList<>(stored.inputItems());
        JsonNode output = stored.response().get("output");
        if (output != null && output.isArray()) {
            output.forEach(out::add);
        }
        return out;
    }

    private static String id(JsonNode item, String fallback) {
        JsonNode id = item.get("id");
        return id != null && id.isTextual() && !id.textValue().isEmpty() ? id.textValue() : fallback;
    }

    private static ObjectNode message(String id, String role, JsonNode content) {
        ObjectNode out = NODES.objectNode();
        out.put("id", id);
        out.put("type", "message");
        out.put("role", role);
        out.put("status", "completed");
        boolean assistant = "assistant".equals(role);
        ArrayNode parts = out.putArray("content");
        if (content == null || content.isNull()) {
            return out;
        }
        if (content.isTextual()) {
            ObjectNode part = parts.addObject();
            part.put("type", assistant ? "output_text" : "input_text");
            part.put("text", content.textValue());
            if (assistant) {
                part.putArray("annotations");
            }
            return out;
        }
        for (JsonNode p : content) {
            ObjectNode part = p.deepCopy();
            if ("output_text".equals(part.path("type").asText()) && !part.has("annotations")) {
                part.putArray("annotations");
            }
            if ("input_image".equals(part.path("type").asText()) && !part.has("detail")) {
                part.put("detail", "auto");
            }
            parts.add(part);
        }
        return out;
    }
}
