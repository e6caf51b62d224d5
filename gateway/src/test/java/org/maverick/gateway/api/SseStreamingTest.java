package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSE framing clients parse: headers, chunk order, finish reason, usage, {@code [DONE]}, errors. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class SseStreamingTest {

    @TestHTTPResource
    URL base;

    @BeforeEach
    void ready() {
        StandInResource.standIn().faults().ready(true);
    }

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    @Test
    void streamsChunksWithRoleFirstFinishLastAndDone() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("Tell me about rivers [standin:length=30]", "\"stream\":true"));
        assertEquals(200, s.status());
        assertTrue(s.header("content-type").startsWith("text/event-stream"), s.header("content-type"));
        assertEquals("no", s.header("x-accel-buffering"));
        assertNull(s.header("content-encoding"));
        assertTrue(s.header("x-request-id").startsWith("chatcmpl-"));
        List<String> events = s.events();
        assertEquals("[DONE]", events.get(events.size() - 1), "last event: " + events);
        assertTrue(events.stream().noneMatch(e -> e.startsWith("!")), "unexpected lines: " + events);
        List<JsonNode> chunks = s.chunks();
        JsonNode first = chunks.get(0);
        assertEquals("chat.completion.chunk", first.path("object").asText());
        assertEquals("assistant", first.path("choices").path(0).path("delta").path("role").asText());
        assertEquals("llama-4-maverick", first.path("model").asText());
        String id = first.path("id").asText();
        assertTrue(chunks.stream().allMatch(c -> c.path("id").asText().equals(id)), "one id for all chunks");
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals("stop", last.path("choices").path(0).path("finish_reason").asText());
        long contentChunks = chunks.stream()
                .filter(c -> !c.path("choices").path(0).path("delta").path("content").asText("").isEmpty()).count();
        assertTrue(contentChunks >= 5, "tokens arrive in many chunks, got " + contentChunks);
        assertFalse(s.content().isBlank());
        // no usage chunk unless asked
        assertTrue(chunks.stream().noneMatch(c -> c.has("usage") && !c.get("usage").isNull()));
    }

    @Test
    void includeUsageAddsAUsageChunkBeforeDone() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions", Sse.chat("Count for me [standin:length=12]",
                "\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        List<JsonNode> chunks = s.chunks();
        JsonNode usageChunk = chunks.get(chunks.size() - 1);
        assertEquals(0, usageChunk.path("choices").size());
        JsonNode usage = usageChunk.path("usage");
        assertTrue(usage.path("prompt_tokens").asInt() > 5, usage.toString());
        assertTrue(usage.path("completion_tokens").asInt() > 0, usage.toString());
        assertEquals(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt(),
                usage.path("total_tokens").asInt());
        assertEquals("stop", chunks.get(chunks.size() - 2).path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void maxTokensEndsWithFinishReasonLength() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("A long story please [standin:length=200]", "\"stream\":true,\"max_tokens\":6"));
        List<JsonNode> chunks = s.chunks();
        assertEquals("length", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void stopStringIsNeitherEmittedNorFollowed() throws Exception {
        // echo answers with the prompt's last line, so the stop string's position is known
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("[standin:echo]\nalpha beta gamma delta epsilon", "\"stream\":true,\"stop\":[\"gamma\"]"));
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));
        String content = s.content();
        assertFalse(content.contains("gamma"), content);
        assertFalse(content.contains("delta"), content);
        assertTrue(content.contains("beta"), content);
        List<JsonNode> chunks = s.chunks();
        assertEquals("stop", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
    }

    /**
     * A long chat (many turns, far above {@code gateway.limits.inline-parse-bytes}, not Latin-1): parsed, counted
     * and its Triton request built off the event loop, it reaches the engine whole and is answered like a short one.
     */
    @Test
    void aLongMultiTurnChatIsAnsweredLikeAShortOne() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode body = Sse.JSON.createObjectNode();
        body.put("model", "llama-4-maverick").put("stream", true).put("max_tokens", 16);
        body.putObject("stream_options").put("include_usage", true);
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You are terse.");
        int chars = 0;
        for (int i = 0; chars < 200_000; i++) {
            String turn = "Turn " + i + ": the river\u2019s stone \u2014 light, garden, window. ".repeat(40);
            messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", turn);
            chars += turn.length();
        }
        messages.addObject().put("role", "user").put("content", "[standin:echo]\nalpha beta \u2019gamma\u2019 delta");
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions", body.toString());
        assertEquals(200, s.status());
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));
        assertTrue(s.content().startsWith("alpha beta \u2019gamma\u2019"), s.content());
        List<JsonNode> chunks = s.chunks();
        JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
        assertTrue(usage.path("prompt_tokens").asInt() > 40_000, usage.toString());
    }

    @Test
    void multiByteTextArrivesWholeAndWithoutReplacementCharacters() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("Say something [standin:utf8] [standin:fffd] [standin:length=60]", "\"stream\":true"));
        String content = s.content();
        assertFalse(content.contains("\uFFFD"), content);
        assertTrue(content.codePoints().anyMatch(cp -> cp > 0x7F), "multi-byte text expected: " + content);
        for (JsonNode c : s.chunks()) {
            String piece = c.path("choices").path(0).path("delta").path("content").asText("");
            if (!piece.isEmpty()) {
                assertFalse(Character.isHighSurrogate(piece.charAt(piece.length() - 1)), "split surrogate pair");
                assertFalse(Character.isLowSurrogate(piece.charAt(0)), "split surrogate pair");
            }
        }
    }

    @Test
    void completionsEndpointStreamsTextCompletionChunks() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/completions",
                "{\"model\":\"llama-4-maverick\",\"prompt\":\"Once upon a time [standin:length=10]\",\"stream\":true}");
        assertEquals(200, s.status());
        List<JsonNode> chunks = s.chunks();
        assertEquals("text_completion", chunks.get(0).path("object").asText());
        assertFalse(s.content().isBlank());
        assertEquals("stop", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));
    }

    @Test
    void errorAfterFirstTokenIsAFinalErrorEventNotACutStream() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("Fail soon [standin:error_at=4] [standin:length=50]", "\"stream\":true"));
        assertEquals(200, s.status());
        String last = s.events().get(s.events().size() - 1);
        JsonNode error = Sse.JSON.readTree(last).path("error");
        assertEquals("backend_error", error.path("code").asText(), last);
        assertTrue(error.path("message").asText().contains("rejected"), last);
        assertFalse(s.events().contains("[DONE]"));
    }

    @Test
    void streamCutByTritonEndsWithAnErrorEvent() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("Cut me [standin:cut_at=4] [standin:length=50]", "\"stream\":true"));
        String last = s.events().get(s.events().size() - 1);
        assertEquals("backend_error", Sse.JSON.readTree(last).path("error").path("code").asText(), last);
    }

    @Test
    void errorBeforeFirstTokenIsAPlainHttpError() throws Exception {
        var r = Sse.post(url(), "/v1/chat/completions",
                Sse.chat("Fail at once [standin:error_at=0]", "\"stream\":true"));
        assertEquals(502, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertEquals("backend_error", Sse.JSON.readTree(r.body()).path("error").path("code").asText());
    }

    @Test
    void nonStreamedChatReturnsOneCompletionWithUsage() throws Exception {
        var r = Sse.post(url(), "/v1/chat/completions", Sse.chat("Hello [standin:length=20]", "\"seed\":7"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Sse.JSON.readTree(r.body());
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals("assistant", body.path("choices").path(0).path("message").path("role").asText());
        assertFalse(body.path("choices").path(0).path("message").path("content").asText().isBlank());
        assertEquals("stop", body.path("choices").path(0).path("finish_reason").asText());
        assertTrue(body.path("usage").path("completion_tokens").asInt() > 0);
        // same seed, same prompt: same text
        var again = Sse.JSON.readTree(Sse.post(url(), "/v1/chat/completions",
                Sse.chat("Hello [standin:length=20]", "\"seed\":7")).body());
        assertEquals(body.path("choices").path(0).path("message").path("content").asText(),
                again.path("choices").path(0).path("message").path("content").asText());
    }

    @Test
    void theTemplateNeverSendsADoubledBos() throws Exception {
        long before = StandInResource.standIn().counters().doubledBos();
        Sse.post(url(), "/v1/chat/completions", Sse.chat("Hi [standin:length=3]", ""));
        Sse.post(url(), "/v1/completions",
                "{\"model\":\"llama-4-maverick\",\"prompt\":\"<|begin_of_text|>Hi [standin:length=3]\"}");
        assertEquals(before, StandInResource.standIn().counters().doubledBos());
    }
}
