package org.maverick.benchmark.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads one SSE data payload of an OpenAI stream: chat ({@code choices[0].delta.content}) or
 * completions ({@code choices[0].text}) chunks, the usage chunk, an in-stream error event, and
 * {@code [DONE]}. Thread-safe.
 */
public final class ChunkReader {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What one payload said. {@code content} is "" for role-only, finish and usage chunks. */
    public record Chunk(String content, int completionTokens, String error, boolean done) {
        static final Chunk DONE = new Chunk("", -1, null, true);
    }

    private ChunkReader() {
    }

    public static Chunk read(String payload) {
        if (payload.equals("[DONE]")) {
            return Chunk.DONE;
        }
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (Exception e) {
            return new Chunk("", -1, "unreadable chunk: " + abbreviate(payload), false);
        }
        if (root.has("error")) {
            JsonNode e = root.get("error");
            return new Chunk("", -1, "error event: " + e.path("code").asText("") + " " + e.path("message").asText(""),
                    false);
        }
        String content = "";
        JsonNode choice = root.path("choices").path(0);
        if (!choice.isMissingNode()) {
            JsonNode c = choice.path("delta").path("content");
            if (c.isTextual()) {
                content = c.asText();
            } else if (choice.path("text").isTextual()) {
                content = choice.path("text").asText();
            }
        }
        int usage = root.path("usage").path("completion_tokens").asInt(-1);
        return new Chunk(content, usage, null, false);
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
