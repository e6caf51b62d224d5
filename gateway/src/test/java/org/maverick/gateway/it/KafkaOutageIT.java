package org.maverick.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scene, as it happened: a packaged gateway in queued mode with six long streams, the
 * broker (a process of its own) killed with SIGKILL, then the gateway stopped with SIGTERM while Kafka
 * is still away. With the gateway's default timings (probe 2 s, outage grace 5 s, send timeout 5 s):
 * liveness answers, new queued requests get a 503, the streams end with an error event within seconds,
 * and SIGTERM stops the instance in its normal time. Figures are printed as {@code [kafka-outage-it]}.
 */
class KafkaOutageIT {

    static TritonStandIn standIn;
    static Process broker;
    static int brokerPort;
    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        standIn = TritonStandIn.builder().host("127.0.0.1").port(0).timing(Timing.fast()).build().start();
        try (ServerSocket s = new ServerSocket(0)) {
            brokerPort = s.getLocalPort();
        }
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        Path brokerLog = logs.resolve("outage-broker.log");
        broker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "org.maverick.kafka.EmbeddedKafkaMain",
                "--port", Integer.toString(brokerPort))
                .redirectErrorStream(true).redirectOutput(brokerLog.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !broker.isAlive()
                || Files.readString(brokerLog).contains("ready in"));
        assertTrue(broker.isAlive(), "the broker process started: " + Files.readString(brokerLog));

        Map<String, String> s = new HashMap<>();
        s.put("gateway.triton.endpoint", "127.0.0.1:" + standIn.port());
        s.put("kafka.bootstrap.servers", "127.0.0.1:" + brokerPort);
        s.put("gateway.mode", "queued");
        s.put("gateway.queue.instance-id", "c");
        s.put("gateway.queue.replication-factor", "1");
        s.put("gateway.auth.enabled", "false");
        gateway = GatewayProcess.start("outage-c", s);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.destroyForcibly().waitFor();
        }
        if (standIn != null) {
            standIn.close();
        }
    }

    /** Reads one stream to its end on a thread of its own. */
    static final class Reader {
        volatile String last = "";
        volatile boolean done;
        volatile long endedAt;
        volatile int lines;

        Reader(HttpResponse<InputStream> response) {
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("data: ")) {
                            last = line.substring(6);
                            done |= last.equals("[DONE]");
                            lines++;
                        }
                    }
                } catch (Exception e) {
                    last = "!read failed: " + e;
                }
                endedAt = System.nanoTime();
            }, "it-stream-reader");
            t.setDaemon(true);
            t.start();
        }
    }

    private static long ms(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    @Test
    void aBrokerKilledUnderABusyInstanceNeverFreezesItAndSigtermStillStopsIt() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Reader> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            streams.add(new Reader(Sse.open(gateway.url(), "/v1/chat/completions",
                    Sse.chat("Long " + i + " [standin:itl_ms=50] [standin:length=3000]", "\"stream\":true"))));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> streams.stream().allMatch(r -> r.lines >= 3));

        long killed = System.nanoTime();
        broker.destroyForcibly().waitFor(); // SIGKILL: no goodbye to any client

        // New queued requests, one after another: each one's time to its answer (first byte).
        List<String> attempts = new ArrayList<>();
        long refusedAfter = -1;
        while (ms(killed) < 20_000) {
            long t = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Sse.chat("During [standin:length=5]", "\"stream\":true")))
                    .build(), HttpResponse.BodyHandlers.ofString());
            attempts.add(TimeUnit.NANOSECONDS.toMillis(t - killed) + "ms:" + r.statusCode() + " in " + ms(t) + "ms");
            if (r.statusCode() == 503 && ms(t) < 1000) {
                assertTrue(r.headers().firstValue("retry-after").isPresent());
                refusedAfter = ms(killed);
                break;
            }
        }
        assertTrue(refusedAfter >= 0, "new queued requests are refused at once within 20 s: " + attempts);

        long t = System.nanoTime();
        int live = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/q/health/live"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        long liveMs = ms(t);
        assertEquals(200, live);

        await().atMost(Duration.ofSeconds(30)).until(() -> streams.stream().allMatch(r -> r.endedAt != 0));
        long lastEnded = 0;
        for (Reader r : streams) {
            lastEnded = Math.max(lastEnded, TimeUnit.NANOSECONDS.toMillis(r.endedAt - killed));
            assertFalse(r.done, "a stream cut by the outage is not reported complete");
            JsonNode error = Sse.JSON.readTree(r.last).path("error");
            assertEquals("backend_unavailable", error.path("code").asText(), "ends with an error event: " + r.last);
        }

        Duration stopped = gateway.terminate(Duration.ofSeconds(60));
        assertNotNull(stopped, "SIGTERM stops the gateway while Kafka is away; log: " + gateway.log());
        System.out.printf("[kafka-outage-it] queued requests after SIGKILL of the broker: %s; liveness %d ms; "
                        + "in-flight streams ended by %d ms; SIGTERM to exit %d ms%n", attempts, liveMs, lastEnded,
                stopped.toMillis());
        assertTrue(stopped.toSeconds() < 30, "stopped in its normal time: " + stopped);
    }
}
