package org.maverick.gateway.api.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.gateway.support.WsClient;
import org.maverick.standin.StandInCounters;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The realtime WebSocket, {@code /v1/realtime/chat}, against the Triton stand-in over real gRPC. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class RealtimeSocketTest {

    @TestHTTPResource
    URL base;

    @Test
    void concurrentGenerationsOnOneSocketEachCompleteWithTheirOwnChunks() throws Exception {
        try (WsClient ws = WsClient.connect(base)) {
            for (String id : List.of("a", "b", "c")) {
                ws.create(id, "Tell me about " + id + " [standin:itl_ms=5] [standin:length=20]");
            }
            for (String id : List.of("a", "b", "c")) {
                JsonNode done = ws.awaitEvent("done", id);
                assertEquals("stop", done.path("finish_reason").asText());
                assertTrue(done.path("request_id").asText().startsWith("chatcmpl-"), done.toString());
                JsonNode usage = done.path("usage");
                assertTrue(usage.path("completion_tokens").asInt() > 0, done.toString());
                assertEquals(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt(),
                        usage.path("total_tokens").asInt());
                assertTrue(ws.events("chunk", id).size() >= 3, "several chunks for " + id);
            }
            // each generation's text is what the HTTP edge answers to the same request: one pipeline
            for (String id : List.of("a", "b", "c")) {
                Sse.Stream http = Sse.stream(base.toString(), "v1/chat/completions",
                        Sse.chat("Tell me about " + id + " [standin:itl_ms=5] [standin:length=20]", "\"stream\":true"));
                assertEquals(http.content(), ws.text(id), "text of " + id);
            }
            assertTrue(ws.events("error", null).isEmpty(), ws.events().toString());
        }
    }

    @Test
    void cancelStopsOneGenerationAndTheOthersFinish() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        try (WsClient ws = WsClient.connect(base)) {
            ws.create("slow", "Slow one [standin:itl_ms=50] [standin:length=500]");
            ws.create("x", "Quick x [standin:itl_ms=20] [standin:length=30]");
            ws.create("y", "Quick y [standin:itl_ms=20] [standin:length=30]");
            ws.awaitEvent("chunk", "slow");
            ws.cancel("slow");
            JsonNode cancelled = ws.awaitEvent("cancelled", "slow");
            assertTrue(cancelled.path("request_id").asText().startsWith("chatcmpl-"));
            ws.awaitEvent("done", "x");
            ws.awaitEvent("done", "y");
            await().atMost(Duration.ofSeconds(2)).until(() -> counters.cancelled() > cancelledBefore);

            List<JsonNode> all = ws.events();
            int cancelledAt = all.indexOf(cancelled);
            for (int i = cancelledAt + 1; i < all.size(); i++) {
                assertFalse(all.get(i).path("id").asText().equals("slow"), "nothing for 'slow' after cancelled: "
                        + all.get(i));
            }
            assertTrue(ws.events("done", "slow").isEmpty());
        }
    }

    @Test
    void closingTheSocketCancelsAllItsGenerations() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        WsClient ws = WsClient.connect(base);
        ws.create("one", "First [standin:itl_ms=50] [standin:length=500]");
        ws.create("two", "Second [standin:itl_ms=50] [standin:length=500]");
        ws.awaitEvent("chunk", "one");
        ws.awaitEvent("chunk", "two");
        ws.abort();
        await().atMost(Duration.ofSeconds(3)).until(() -> counters.cancelled() >= cancelledBefore + 2);
        await().atMost(Duration.ofSeconds(3)).until(() -> counters.inFlight() == 0);
    }

    @Test
    void badMessagesGetAnErrorNamingTheProblemAndLeaveTheSocketUsable() throws Exception {
        try (WsClient ws = WsClient.connect(base)) {
            ws.send("{not json");
            assertError(ws.awaitEvent("error", null), "invalid_json", null);

            ws.send("{\"type\":\"shout\",\"id\":\"u1\"}");
            assertError(ws.awaitEvent("error", "u1"), "unknown_type", "type");

            ws.send("{\"id\":\"t1\"}");
            assertError(ws.awaitEvent("error", "t1"), "missing_required_parameter", "type");

            ws.send("{\"type\":\"create\",\"request\":" + Sse.chat("hi", "") + "}");
            assertError(ws.await(e -> e.path("type").asText().equals("error")
                    && e.path("error").path("param").asText().equals("id")), "missing_required_parameter", "id");

            ws.send("{\"type\":\"create\",\"id\":\"r1\"}");
            assertError(ws.awaitEvent("error", "r1"), "missing_required_parameter", "request");

            ws.send("{\"type\":\"create\",\"id\":\"v1\",\"request\":" + Sse.chat("hi", "\"temperature\":5") + "}");
            JsonNode invalid = ws.awaitEvent("error", "v1");
            assertError(invalid, "invalid_value", "temperature");
            assertEquals("invalid_request_error", invalid.path("error").path("type").asText());

            ws.send("{\"type\":\"create\",\"id\":\"v2\",\"request\":{\"model\":\"llama-4-maverick\",\"messages\":\"hi\"}}");
            assertError(ws.awaitEvent("error", "v2"), "invalid_type", "messages");

            ws.send("{\"type\":\"create\",\"id\":\"v3\",\"request\":{\"model\":\"gpt-2\",\"messages\":[]}}");
            assertError(ws.awaitEvent("error", "v3"), "model_not_found", "model");

            ws.create("d1", "Long [standin:itl_ms=50] [standin:length=500]");
            ws.create("d1", "Again");
            assertError(ws.awaitEvent("error", "d1"), "duplicate_id", "id");
            ws.cancel("d1");
            ws.awaitEvent("cancelled", "d1");

            ws.cancel("nope");
            assertError(ws.awaitEvent("error", "nope"), "unknown_id", "id");

            ws.send("{\"type\":\"ping\"}");
            ws.awaitEvent("pong", null);
            ws.create("ok", "Still works [standin:length=5]");
            assertEquals("stop", ws.awaitEvent("done", "ok").path("finish_reason").asText());
            assertFalse(ws.closed().isDone(), "the socket stayed open");
        }
    }

    /**
     * A long chat's create (above gateway.limits.inline-parse-bytes) is read off the event loop; the messages sent
     * right after it wait for it, so a cancel still finds its generation and the answers keep the messages' order.
     */
    @Test
    void messagesAfterALongOneKeepTheirOrder() throws Exception {
        String history = "The river\u2019s stone \u2014 light, garden, window. ".repeat(2500);
        try (WsClient ws = WsClient.connect(base)) {
            ws.create("long", history + "\n[standin:itl_ms=50] [standin:length=500]");
            ws.cancel("long");
            ws.send("{\"type\":\"ping\"}");
            JsonNode cancelled = ws.awaitEvent("cancelled", "long");
            JsonNode pong = ws.awaitEvent("pong", null);
            assertTrue(ws.events().indexOf(cancelled) < ws.events().indexOf(pong), ws.events().toString());
            assertTrue(ws.events("error", "long").isEmpty(), ws.events().toString());

            ws.send("{\"type\":\"create\",\"id\":\"broken\",\"request\":{\"messages\":\"" + "x".repeat(40_000));
            ws.create("after", history + " [standin:length=5]");
            assertError(ws.awaitEvent("error", null), "invalid_json", null);
            assertEquals("stop", ws.awaitEvent("done", "after").path("finish_reason").asText());
            assertFalse(ws.closed().isDone(), "the socket stayed open");
        }
    }

    @Test
    void generationsPastThePerSocketLimitAreRefused() throws Exception {
        try (WsClient ws = WsClient.connect(base)) {
            for (int i = 0; i < 16; i++) {
                ws.create("g" + i, "Long " + i + " [standin:itl_ms=100] [standin:length=500]");
            }
            ws.create("g16", "One too many");
            JsonNode error = ws.awaitEvent("error", "g16");
            assertError(error, "too_many_generations", null);
            assertTrue(error.path("error").path("message").asText().contains("16"), error.toString());
            ws.cancel("g0");
            ws.awaitEvent("cancelled", "g0");
            ws.create("g17", "Now there is room [standin:length=5]");
            ws.awaitEvent("done", "g17");
        }
        StandInCounters counters = StandInResource.standIn().counters();
        await().atMost(Duration.ofSeconds(3)).until(() -> counters.inFlight() == 0);
    }

    private static void assertError(JsonNode event, String code, String param) {
        JsonNode error = event.path("error");
        assertEquals(code, error.path("code").asText(), event.toString());
        if (param == null) {
            assertTrue(error.path("param").isNull(), event.toString());
        } else {
            assertEquals(param, error.path("param").asText(), event.toString());
        }
        assertFalse(error.path("message").asText().isEmpty(), event.toString());
    }
}
