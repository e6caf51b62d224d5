package org.maverick.benchmark.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.Test;

class ChatHistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aLongHistoryIsManyAlternatingTurnsOfAboutTheAskedTokens() {
        for (int tokens : new int[] {1000, 32000, 120000}) {
            ArrayNode m = ChatHistory.messages(tokens, 19);
            int estimate = ChatHistory.estimateTokens(m);
            assertTrue(Math.abs(estimate - tokens) <= tokens / 100 + 20, tokens + " asked, " + estimate + " made");
            assertEquals("system", m.get(0).get("role").asText());
            assertTrue(m.size() >= tokens / 600, "messages: " + m.size());
            for (int i = 1; i < m.size(); i++) {
                assertEquals(i % 2 == 1 ? "user" : "assistant", m.get(i).get("role").asText());
                assertFalse(m.get(i).get("content").asText().isBlank());
                assertFalse(m.get(i).get("content").asText().contains("<|"), "no special-token strings");
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameHistory() {
        assertEquals(ChatHistory.historyJson(5000, 7), ChatHistory.historyJson(5000, 7));
        assertFalse(ChatHistory.historyJson(5000, 7).equals(ChatHistory.historyJson(5000, 8)));
    }

    @Test
    void theBodyIsTheHistoryThenTheRequestsOwnMessage() throws Exception {
        String history = ChatHistory.historyJson(2000, 1);
        JsonNode body = JSON.readTree(ChatHistory.body("llama-4-maverick", 16, history, "Request 3. [standin:stamp] \"q\""));
        assertEquals("llama-4-maverick", body.get("model").asText());
        assertTrue(body.get("stream").asBoolean());
        assertTrue(body.get("stream_options").get("include_usage").asBoolean());
        assertEquals(16, body.get("max_tokens").asInt());
        JsonNode messages = body.get("messages");
        assertEquals(JSON.readTree(history).size() + 1, messages.size());
        assertEquals(JSON.readTree(history).get(5), messages.get(5));
        JsonNode last = messages.get(messages.size() - 1);
        assertEquals("user", last.get("role").asText());
        assertEquals("Request 3. [standin:stamp] \"q\"", last.get("content").asText());

        JsonNode alone = JSON.readTree(ChatHistory.body("m", 1, ChatHistory.historyJson(0, 1), "hi"));
        assertEquals(1, alone.get("messages").size());
    }
}
