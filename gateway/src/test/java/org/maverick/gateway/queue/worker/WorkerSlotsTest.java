package org.maverick.gateway.queue.worker;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker with one slot and a burst of queued requests: each generation that ends wakes the
 * worker's Kafka poll so the next waiting request starts; every request is answered in full, one
 * at a time, none lost or run twice.
 */
@QuarkusTest
@TestProfile(WorkerSlotsTest.OneSlot.class)
@QuarkusTestResource(StandInResource.class)
class WorkerSlotsTest {

    public static class OneSlot extends QueuedProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(super.getConfigOverrides());
            m.put("gateway.queue.worker-max-in-flight", "1");
            return m;
        }
    }

    @TestHTTPResource
    URL base;

    @Test
    void aBurstThroughOneSlotIsAnsweredInFullOneAtATime() throws Exception {
        String url = base.toString().replaceAll("/$", "");
        await().atMost(Duration.ofSeconds(20)).until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        long startedBefore = StandInResource.standIn().counters().started();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
                mostAtOnce.accumulateAndGet(StandInResource.standIn().counters().inFlight(), Math::max);
                Thread.onSpinWait();
            }
        });
        List<CompletableFuture<Sse.Stream>> streams = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            streams.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return Sse.stream(url, "/v1/chat/completions",
                            Sse.chat("[standin:length=12] burst " + n, "\"stream\":true,\"max_tokens\":12"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<Sse.Stream> f : streams) {
            Sse.Stream s = f.get(60, TimeUnit.SECONDS);
            assertEquals(200, s.status(), s.events().toString());
            assertEquals("[DONE]", s.events().get(s.events().size() - 1), s.events().toString());
            String text = String.join("", s.chunks().stream()
                    .map(c -> c.path("choices").path(0).path("delta").path("content").asText("")).toList());
            assertTrue(!text.isBlank() && s.chunks().stream().anyMatch(c -> c.path("choices").path(0)
                    .path("finish_reason").isTextual()), "the whole answer arrived, with its finish reason: " + text);
        }
        watcher.cancel(true);
        assertEquals(8, StandInResource.standIn().counters().started() - startedBefore, "each request ran once");
        assertTrue(mostAtOnce.get() <= 1, "one slot: at most one generation at a time, saw " + mostAtOnce.get());
    }
}
