package org.maverick.gateway.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.WsClient;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM to a packaged gateway. After a realtime WebSocket session it exits as promptly as one that
 * never had a socket: before the fix it took the whole {@code quarkus.shutdown.timeout} (25 s) and
 * logged "Timed out waiting for graceful shutdown", because Quarkus counted the socket's upgrade
 * request as in flight forever, even after the socket closed. And streams in flight at SIGTERM, SSE
 * and WebSocket, still finish (the gateway's own drain, gateway.admission.shutdown-grace), after
 * which the socket is closed with 1001 "going away".
 */
class ShutdownIT {

    /** Generous: a stop takes about 1-2 s on a loaded 2-core machine; the bug took 25 s and more. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    static TritonStandIn standIn;

    @BeforeAll
    static void start() throws Exception {
        standIn = TritonStandIn.builder().host("127.0.0.1").port(0).timing(Timing.fast()).build().start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (standIn != null) {
            standIn.close();
        }
    }

    /** Direct mode, no Kafka: nothing but the HTTP server and the socket decides how long the stop takes. */
    private static Map<String, String> settings() {
        return Map.of("gateway.triton.endpoint", "127.0.0.1:" + standIn.port(),
                "gateway.mode", "direct",
                "gateway.auth.enabled", "false",
                "gateway.triton.readiness-interval", "500ms");
    }

    @ParameterizedTest(name = "socket {0} at SIGTERM")
    @ValueSource(strings = {"open", "closed"})
    void aStopAfterAWebSocketSessionIsPromptAndClean(String socketAtStop) throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start("shutdown-ws-" + socketAtStop, settings())) {
            WsClient ws = WsClient.connect(URI.create(gateway.url()).toURL());
            ws.create("c1", "Before the stop [standin:length=3]");
            assertEquals("stop", ws.awaitEvent("done", "c1").path("finish_reason").asText());
            if (socketAtStop.equals("closed")) {
                ws.close();
            }

            Duration took = gateway.terminate(BOUND);
            System.out.printf("ShutdownIT: socket %s at SIGTERM, the gateway exited in %s%n", socketAtStop,
                    took == null ? "more than " + BOUND.toSeconds() + " s (killed)" : took.toMillis() + " ms");
            assertCleanStop(gateway, took);
            if (socketAtStop.equals("open")) {
                // The socket still open is told the server is going away (1001), not cut.
                assertEquals(1001, ws.closed().get(BOUND.toSeconds(), TimeUnit.SECONDS));
            }
            ws.abort();
        }
    }

    @Test
    void streamsInFlightAtSigtermFinishThenTheSocketIsToldTheServerIsGoingAway() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start("shutdown-drain", settings())) {
            // About 3 s each (30 tokens, 100 ms apart): they are running when SIGTERM arrives.
            HttpResponse<InputStream> sse = Sse.open(gateway.url(), "/v1/chat/completions",
                    Sse.chat("SSE across the stop [standin:itl_ms=100] [standin:length=30]", "\"stream\":true"));
            assertEquals(200, sse.statusCode());
            BufferedReader lines = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8));
            List<String> data = new ArrayList<>();
            for (String line; data.isEmpty() && (line = lines.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
            WsClient ws = WsClient.connect(URI.create(gateway.url()).toURL());
            ws.create("c1", "Socket across the stop [standin:itl_ms=100] [standin:length=30]");
            ws.awaitEvent("chunk", "c1");

            CompletableFuture<Duration> stop = CompletableFuture.supplyAsync(() -> {
                try {
                    return gateway.terminate(BOUND);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
            Duration took = stop.get(BOUND.toSeconds() + 5, TimeUnit.SECONDS);
            System.out.printf("ShutdownIT: SSE and WebSocket streams in flight at SIGTERM, the gateway exited in %s%n",
                    took == null ? "more than " + BOUND.toSeconds() + " s (killed)" : took.toMillis() + " ms");
            assertCleanStop(gateway, took);
            assertEquals("[DONE]", data.get(data.size() - 1), "the SSE stream finished, not cut: " + data);
            assertTrue(data.stream().noneMatch(d -> d.contains("\"error\"")), "no error event: " + data);
            assertEquals("stop", ws.awaitEvent("done", "c1").path("finish_reason").asText(),
                    "the socket's generation finished: " + ws.events());
            assertEquals(1001, ws.closed().get(BOUND.toSeconds(), TimeUnit.SECONDS));
            ws.abort();
        }
    }

    /** Exited within the bound, Quarkus finished its stop, nothing logged at ERROR (the timeout's line is one). */
    private static void assertCleanStop(GatewayProcess gateway, Duration took) throws Exception {
        String log = java.nio.file.Files.readString(gateway.log());
        assertNotNull(took, "the gateway did not exit within " + BOUND.toSeconds() + " s of SIGTERM; log:\n" + log);
        assertFalse(log.contains("Timed out waiting for graceful shutdown"), log);
        // The packaged gateway logs JSON ("level":"ERROR"); a plain-text log would say " ERROR ".
        assertFalse(java.util.regex.Pattern.compile("\"level\"\\s*:\\s*\"ERROR\"| ERROR ").matcher(log).find(), log);
        assertTrue(log.contains("stopped in"), "Quarkus finished its stop: " + log);
    }
}
