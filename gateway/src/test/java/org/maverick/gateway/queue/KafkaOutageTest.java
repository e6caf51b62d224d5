package org.maverick.gateway.queue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.kafka.EmbeddedKafka;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka away: queued requests are refused at once with 503 and Retry-After, readiness says why, and
 * everything works again by itself when the broker comes (back) up.
 */
@QuarkusTest
@TestProfile(KafkaOutageTest.NoBrokerYet.class)
@QuarkusTestResource(StandInResource.class)
class KafkaOutageTest {

    /** Reserves a port for a broker that is started only during the test. */
    public static class LateBroker implements QuarkusTestResourceLifecycleManager {
        static int port;
        static EmbeddedKafka kafka;

        @Override
        public Map<String, String> start() {
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port);
        }

        @Override
        public void stop() {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    public static class NoBrokerYet implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.mode", "queued", "gateway.queue.instance-id", "outage",
                    "gateway.queue.replication-factor", "1", "gateway.queue.probe-interval", "300ms");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LateBroker.class));
        }
    }

    @TestHTTPResource
    URL base;

    @AfterAll
    static void stopBroker() {
        if (LateBroker.kafka != null) {
            LateBroker.kafka.close();
            LateBroker.kafka = null;
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "")
                + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void queuedRequestsAreRefusedAtOnceUntilKafkaIsThereThenServed() throws Exception {
        await().atMost(Duration.ofSeconds(15)).until(() -> get("/q/health/ready").body().contains("unreachable"));
        assertEquals(503, get("/q/health/ready").statusCode());

        long t0 = System.nanoTime();
        HttpResponse<String> refused = Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("hi", "\"stream\":true"));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.headers().firstValue("retry-after").isPresent());
        assertEquals("backend_unavailable", Sse.JSON.readTree(refused.body()).path("error").path("code").asText());
        assertTrue(tookMs < 3000, "refused at once, not after a hang: " + tookMs + " ms");

        LateBroker.kafka = EmbeddedKafka.builder().port(LateBroker.port).build().start();
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/q/health/ready").statusCode() == 200);
        HttpResponse<String> served = Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("hi [standin:length=5]", ""));
        assertEquals(200, served.statusCode(), served.body());
    }
}
