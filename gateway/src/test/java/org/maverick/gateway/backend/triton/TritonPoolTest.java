package org.maverick.gateway.backend.triton;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInPoolProfile;
import org.maverick.gateway.support.StandInPoolResource;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway in front of two Triton stand-ins over real gRPC on loopback: spreading by requests in
 * flight, a transparent retry before the first token (never after), the circuit breaker, a stand-in
 * restarted on its port, and an empty pool answering 503 at once.
 */
@QuarkusTest
@TestProfile(StandInPoolProfile.class)
@QuarkusTestResource(StandInResource.class)
class TritonPoolTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource
    URL base;

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    @BeforeEach
    @AfterEach
    void healthyPool() {
        StandInPoolResource.healAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> available() == StandInPoolResource.SIZE);
        StandInPoolResource.healAll(); // counters of this test only
    }

    @Test
    void thePoolIsEveryConfiguredEndpoint() throws Exception {
        JsonNode data = readiness().path("checks").path(0).path("data");
        for (int i = 0; i < StandInPoolResource.SIZE; i++) {
            String a = StandInPoolResource.address(i);
            assertTrue(data.path(a + ".ready").asBoolean(), data.toString());
            assertEquals("closed", data.path(a + ".breaker").asText(), data.toString());
            assertEquals(0, data.path(a + ".in_flight").asInt(), data.toString());
        }
        String metrics = get("/q/metrics").body();
        for (int i = 0; i < StandInPoolResource.SIZE; i++) {
            String a = StandInPoolResource.address(i);
            assertTrue(metrics.contains("maverick_gateway_triton_ready{server_address=\"" + a + "\"} 1"), metrics);
            assertTrue(metrics.contains("maverick_gateway_triton_in_flight{server_address=\"" + a + "\"}"), metrics);
        }
    }

    @Test
    void concurrentSlowRequestsAreSpreadOverTheEndpointsWithFewestInFlight() throws Exception {
        int n = 8;
        ExecutorService clients = Executors.newFixedThreadPool(n);
        try {
            List<Future<Sse.Stream>> streams = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String prompt = "Spread " + i + " [standin:itl_ms=25] [standin:length=20]";
                streams.add(clients.submit(() -> Sse.stream(url(), "/v1/chat/completions",
                        Sse.chat(prompt, "\"stream\":true"))));
            }
            for (Future<Sse.Stream> f : streams) {
                Sse.Stream s = f.get(30, TimeUnit.SECONDS);
                assertEquals("[DONE]", s.events().get(s.events().size() - 1), s.events().toString());
            }
        } finally {
            clients.shutdownNow();
        }
        long a = StandInPoolResource.standIn(0).counters().started();
        long b = StandInPoolResource.standIn(1).counters().started();
        System.out.printf("[pool] %d concurrent slow streams: %d on stand-in 0, %d on stand-in 1%n", n, a, b);
        assertEquals(n, a + b);
        assertTrue(a >= n / 2 - 1 && b >= n / 2 - 1, "spread evenly by requests in flight: " + a + " / " + b);
    }

    @Test
    void aRequestFailingBeforeItsFirstTokenIsRetriedOnAnotherEndpoint() throws Exception {
        StandInPoolResource.standIn(0).faults().failFraction(1.0);
        double retriesBefore = metric("maverick_gateway_triton_retries_total");
        int n = 6;
        for (int i = 0; i < n; i++) {
            Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                    Sse.chat("Retry me " + i + " [standin:length=10]", "\"stream\":true"));
            assertEquals(200, s.status(), s.events().toString());
            assertEquals("[DONE]", s.events().get(s.events().size() - 1), s.events().toString());
            assertFalse(s.content().isBlank());
        }
        // The stand-in counts a generation finished after it sent the last response, which the client may
        // read first: wait for the count rather than race it.
        await().atMost(Duration.ofSeconds(5)).until(() -> StandInPoolResource.standIn(1).counters().finished() >= n);
        long failedOn0 = StandInPoolResource.standIn(0).counters().failed();
        assertEquals(n, StandInPoolResource.standIn(1).counters().finished(), "every answer came from stand-in 1");
        assertTrue(failedOn0 >= 1, "some requests were sent to the failing stand-in first");
        assertEquals(failedOn0, metric("maverick_gateway_triton_retries_total") - retriesBefore, 0.001,
                "each failure on stand-in 0 was retried once");
    }

    @Test
    void nothingIsRetriedAfterTheFirstToken() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("Cut me [standin:cut_at=4] [standin:length=50]", "\"stream\":true"));
        assertEquals(200, s.status());
        String last = s.events().get(s.events().size() - 1);
        assertEquals("backend_error", Sse.JSON.readTree(last).path("error").path("code").asText(), last);
        assertFalse(s.events().contains("[DONE]"));
        long started = StandInPoolResource.standIn(0).counters().started()
                + StandInPoolResource.standIn(1).counters().started();
        assertEquals(1, started, "one call only: the text sent before the cut is not sent again");
        String text = s.content();
        assertFalse(text.isEmpty());
        assertTrue(text.split(" ").length <= 5, "only the tokens before the cut: '" + text + "'");
    }

    @Test
    void anEndpointThatKeepsFailingIsTakenOutAndBroughtBackWhenHealthy() throws Exception {
        String failing = StandInPoolResource.address(0);
        StandInPoolResource.standIn(0).faults().failFraction(1.0);
        for (int i = 0; i < 20 && !"open".equals(data().path(failing + ".breaker").asText()); i++) {
            assertEquals(200, Sse.post(url(), "/v1/chat/completions",
                    Sse.chat("Trip " + i + " [standin:length=5]", "")).statusCode());
        }
        JsonNode data = data();
        assertEquals("open", data.path(failing + ".breaker").asText(), data.toString());
        assertTrue(data.path(failing + ".reason").asText().contains("circuit breaker"), data.toString());
        assertEquals(3, StandInPoolResource.standIn(0).counters().failed(), "opened after 3 consecutive failures");

        // While open (cool-down 1 s), it gets no traffic at all.
        long startedWhileOpen = StandInPoolResource.standIn(0).counters().started();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, Sse.post(url(), "/v1/chat/completions",
                    Sse.chat("Avoid " + i + " [standin:length=3]", "")).statusCode());
        }
        assertEquals(startedWhileOpen, StandInPoolResource.standIn(0).counters().started(), "no traffic while open");

        // Healthy again: after the cool-down the readiness probe closes the breaker and it serves again.
        StandInPoolResource.standIn(0).faults().clear();
        await().atMost(Duration.ofSeconds(5)).until(() -> "closed".equals(data().path(failing + ".breaker").asText()));
        for (int i = 0; i < 4; i++) {
            assertEquals(200, Sse.post(url(), "/v1/chat/completions",
                    Sse.chat("Back " + i + " [standin:length=3]", "")).statusCode());
        }
        assertTrue(StandInPoolResource.standIn(0).counters().finished() >= 1, "it serves again");
    }

    @Test
    void aStandInRestartedOnItsPortDuringLoadLeavesNoStreamHangingAndServesAgain() throws Exception {
        int n = 10;
        ExecutorService clients = Executors.newFixedThreadPool(n);
        try {
            List<Future<Sse.Stream>> streams = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String prompt = "Restart " + i + " [standin:itl_ms=20] [standin:length=60]";
                streams.add(clients.submit(() -> Sse.stream(url(), "/v1/chat/completions",
                        Sse.chat(prompt, "\"stream\":true"))));
            }
            // killed with streams under way on it
            await().atMost(Duration.ofSeconds(10)).until(() -> StandInPoolResource.standIn(0).counters().inFlight() > 0);
            StandInPoolResource.kill(0);
            StandInPoolResource.restart(0);
            int completed = 0;
            int errors = 0;
            for (Future<Sse.Stream> f : streams) {
                Sse.Stream s = f.get(30, TimeUnit.SECONDS); // never hangs
                String last = s.events().isEmpty() ? "" : s.events().get(s.events().size() - 1);
                if ("[DONE]".equals(last)) {
                    completed++;
                } else {
                    assertTrue(s.status() >= 500 || last.contains("\"error\""), "a clear error: " + s.events());
                    errors++;
                }
            }
            System.out.printf("[pool] restart during load: %d streams, %d completed, %d clear errors%n", n,
                    completed, errors);
        } finally {
            clients.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> data().path(StandInPoolResource.address(0) + ".ready")
                .asBoolean());
        for (int i = 0; i < 6 && StandInPoolResource.standIn(0).counters().finished() == 0; i++) {
            assertEquals(200, Sse.post(url(), "/v1/chat/completions",
                    Sse.chat("After restart " + i + " [standin:length=3]", "")).statusCode());
        }
        assertTrue(StandInPoolResource.standIn(0).counters().finished() >= 1, "the restarted stand-in serves again");
    }

    @Test
    void withNoReadyEndpointRequestsGet503AtOnceAndReadinessIsDown() throws Exception {
        for (int i = 0; i < StandInPoolResource.SIZE; i++) {
            StandInPoolResource.standIn(i).faults().ready(false);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/q/health/ready").statusCode() == 503);
        JsonNode data = data();
        for (int i = 0; i < StandInPoolResource.SIZE; i++) {
            String a = StandInPoolResource.address(i);
            assertFalse(data.path(a + ".ready").asBoolean(), data.toString());
            assertTrue(data.path(a + ".reason").asText().contains("not ready"), data.toString());
        }
        long t0 = System.nanoTime();
        HttpResponse<String> r = Sse.post(url(), "/v1/chat/completions", Sse.chat("hi", "\"stream\":true"));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("retry-after").isPresent());
        assertEquals("backend_unavailable", Sse.JSON.readTree(r.body()).path("error").path("code").asText());
        assertTrue(millis < 1000, "refused at once, took " + millis + " ms");
    }

    private long available() throws Exception {
        return readiness().path("checks").path(0).path("data").path("available").asLong();
    }

    private JsonNode data() throws Exception {
        return readiness().path("checks").path(0).path("data");
    }

    private JsonNode readiness() throws Exception {
        JsonNode all = Sse.JSON.readTree(get("/q/health/ready").body());
        for (JsonNode check : all.path("checks")) {
            if ("triton".equals(check.path("name").asText())) {
                return Sse.JSON.createObjectNode().set("checks", Sse.JSON.createArrayNode().add(check));
            }
        }
        throw new AssertionError("no triton check in " + all);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private double metric(String name) throws Exception {
        // name, optional labels, the value, then possibly an exemplar ("# {...} 1.0 <time>")
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                "^" + java.util.regex.Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)");
        for (String line : get("/q/metrics").body().split("\n")) {
            java.util.regex.Matcher m = p.matcher(line);
            if (m.find()) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }
}
