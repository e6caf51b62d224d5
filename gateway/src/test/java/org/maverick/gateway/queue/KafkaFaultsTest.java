package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.RestartableKafkaResource;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka faults under a busy instance, against a real broker that the test stops and starts again: an
 * outage never freezes the instance (liveness and direct mode go on, new queued requests get a 503 at
 * once, streams in flight end with an error event, the worker stops their generations at Triton), the
 * log stays quiet, and a broker back with empty storage is used again without a restart.
 *
 * <p>Figures (ms) are printed as {@code [kafka-faults] ...} lines; the assertions hold generous bounds.
 */
@QuarkusTest
@TestProfile(KafkaFaultsTest.Faults.class)
@QuarkusTestResource(StandInResource.class)
class KafkaFaultsTest {

    static final Path LOG = Path.of("target", "kafka-faults-test.log");

    public static class Faults implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("gateway.mode", "queued"),
                    Map.entry("gateway.queue.instance-id", "faults"),
                    Map.entry("gateway.queue.replication-factor", "1"),
                    Map.entry("gateway.queue.resume-grace", "1s"),
                    Map.entry("gateway.queue.worker-session-timeout", "2s"),
                    Map.entry("gateway.queue.probe-interval", "300ms"),
                    Map.entry("gateway.queue.outage-grace", "1s"),
                    Map.entry("gateway.queue.send-timeout", "2s"),
                    Map.entry("quarkus.log.file.enabled", "true"),
                    Map.entry("quarkus.log.file.path", LOG.toString()));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RestartableKafkaResource.class));
        }
    }

    @TestHTTPResource
    URL base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> chat(String mode, String text) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").header("x-maverick-mode", mode)
                .POST(HttpRequest.BodyPublishers.ofString(Sse.chat(text, "\"stream\":true"))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long ms(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }

    private static long logLines() throws Exception {
        try (var lines = Files.lines(LOG, StandardCharsets.UTF_8)) {
            return lines.count();
        }
    }

    /** One long queued stream read on a thread of its own: its data lines, and when it ended. */
    static final class Reader {
        final List<String> data = new ArrayList<>();
        volatile long endedAt;
        final Thread thread;

        Reader(HttpResponse<InputStream> response) {
            thread = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("data: ")) {
                            synchronized (data) {
                                data.add(line.substring(6));
                            }
                        }
                    }
                } catch (Exception e) {
                    synchronized (data) {
                        data.add("!read failed: " + e);
                    }
                }
                endedAt = System.nanoTime();
            }, "test-stream-reader");
            thread.setDaemon(true);
            thread.start();
        }

        int size() {
            synchronized (data) {
                return data.size();
            }
        }

        String last() {
            synchronized (data) {
                return data.isEmpty() ? "" : data.get(data.size() - 1);
            }
        }
    }

    @Test
    void anOutageNeverFreezesTheInstanceAndABrokerBackEmptyIsUsedWithoutARestart() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/q/health/ready").statusCode() == 200);
        var standIn = StandInResource.standIn();

        // A busy instance: six long queued streams, run by this instance's worker.
        List<Reader> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            streams.add(new Reader(Sse.open(url(), "/v1/chat/completions",
                    Sse.chat("Long story " + i + " [standin:itl_ms=50] [standin:length=3000]", "\"stream\":true"))));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> streams.stream().allMatch(r -> r.size() >= 3));
        assertTrue(standIn.counters().inFlight() >= 6, "the six generations run at Triton");

        // The broker goes away.
        long linesBefore = logLines();
        long killed = System.nanoTime();
        RestartableKafkaResource.stopBroker();
        System.out.printf("[kafka-faults] broker stopped in %d ms%n", ms(killed));

        long t = System.nanoTime();
        assertEquals(200, get("/q/health/live").statusCode(), "liveness answers during the outage");
        long liveMs = ms(t);
        t = System.nanoTime();
        HttpResponse<String> direct = chat("direct", "Direct while Kafka is away [standin:length=5]");
        long directMs = ms(t);
        assertEquals(200, direct.statusCode(), direct.body());
        assertTrue(direct.body().trim().endsWith("data: [DONE]"), "direct mode still works: " + direct.body());

        await().atMost(Duration.ofSeconds(15)).until(() -> get("/q/health/ready").statusCode() == 503);
        long detectedMs = ms(killed);
        String readiness = get("/q/health/ready").body();
        assertTrue(readiness.contains("unreachable"), "readiness says why: " + readiness);

        t = System.nanoTime();
        HttpResponse<String> refused = chat("queued", "Queued while Kafka is away [standin:length=5]");
        long refusedMs = ms(t);
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.headers().firstValue("retry-after").isPresent(), "Retry-After is set");
        assertEquals("backend_unavailable", Sse.JSON.readTree(refused.body()).path("error").path("code").asText());
        assertTrue(refusedMs < 2000, "refused at once, not after a hang: " + refusedMs + " ms");

        // The streams in flight end with a clear error event, within seconds, not at their idle timeout.
        await().atMost(Duration.ofSeconds(20)).until(() -> streams.stream().allMatch(r -> r.endedAt != 0));
        long lastEnded = 0;
        for (Reader r : streams) {
            lastEnded = Math.max(lastEnded, TimeUnit.NANOSECONDS.toMillis(r.endedAt - killed));
            assertFalse(r.data.contains("[DONE]"), "an ended stream is not reported complete");
            JsonNode error = Sse.JSON.readTree(r.last()).path("error");
            assertEquals("backend_unavailable", error.path("code").asText(), "the last event is an error: " + r.last());
            assertTrue(error.path("message").asText().contains("gateway.queue.outage-grace"), r.last());
        }
        // ...and the worker, unable to publish their events, stopped the generations at Triton.
        await().atMost(Duration.ofSeconds(20)).until(() -> standIn.counters().inFlight() == 0);
        long tritonStoppedMs = ms(killed);
        System.out.printf("[kafka-faults] liveness %d ms, direct request %d ms, readiness DOWN after %d ms, new queued "
                        + "request refused in %d ms, in-flight streams ended by %d ms, Triton generations stopped by %d ms%n",
                liveMs, directMs, detectedMs, refusedMs, lastEnded, tritonStoppedMs);

        // A longer outage: readiness stays DOWN throughout, and the log stays a few lines.
        long quietFrom = logLines();
        await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> get("/q/health/ready").statusCode() == 503);
        long outageLines = logLines() - quietFrom;
        System.out.printf("[kafka-faults] %d log lines in 30 s of outage (%d since the broker stopped)%n", outageLines,
                logLines() - linesBefore);
        assertTrue(outageLines < 200, "the log stays quiet while Kafka is away: " + outageLines + " lines in 30 s");

        // The broker comes back with empty storage: a new cluster, none of the old topics.
        long restartLines = logLines();
        long restarted = System.nanoTime();
        RestartableKafkaResource.startEmpty();
        long brokerUpMs = ms(restarted);
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/q/health/ready").statusCode() == 200);
        long readyMs = ms(restarted);
        try (Admin admin = RestartableKafkaResource.broker().admin()) {
            var topics = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertTrue(topics.contains("maverick.replies.faults"), "the reply topic was created again: " + topics);
            assertTrue(topics.contains(KafkaQueue.REQUESTS), "the request topics were created again: " + topics);
        }
        t = System.nanoTime();
        Sse.Stream served = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("After the outage [standin:length=8]", "\"stream\":true"));
        long firstRequestMs = ms(t);
        assertEquals(200, served.status());
        assertEquals("[DONE]", served.events().get(served.events().size() - 1), "the first queued request after "
                + "recovery completes: " + served.events());
        assertFalse(served.content().isEmpty());
        // Recovery is quiet too: no client spins on a topic that is not there (yet).
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> get("/q/health/ready").statusCode() == 200);
        long recoveryLines = logLines() - restartLines;
        System.out.printf("[kafka-faults] broker started in %d ms, readiness UP %d ms after the restart began, first "
                        + "queued request completed in %d ms; %d log lines from the restart to 5 s after%n",
                brokerUpMs, readyMs, firstRequestMs, recoveryLines);
        assertTrue(recoveryLines < 200, "recovery does not flood the log: " + recoveryLines + " lines");
    }
}
