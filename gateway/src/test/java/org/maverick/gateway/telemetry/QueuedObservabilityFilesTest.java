package org.maverick.gateway.telemetry;

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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the queue enabled (a real embedded Kafka broker), the gateway exports every series the dashboard
 * and the alert rules read, the queue's own ({@link ObservabilityFilesTest#QUEUE_ONLY}) included.
 */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class QueuedObservabilityFilesTest {

    @TestHTTPResource
    URL base;

    @Test
    void everySeriesTheDashboardAndAlertsReadIsExportedWithTheQueue() throws Exception {
        String url = base.toString().replaceAll("/$", "");
        await().atMost(Duration.ofSeconds(30)).until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        // queued (the profile's mode), then one direct request on the same instance
        assertEquals(200, Sse.stream(url, "/v1/chat/completions",
                Sse.chat("Queue me [standin:length=6]", "\"stream\":true")).status());
        HttpResponse<String> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        url + "/v1/chat/completions")).header("content-type", "application/json")
                .header("x-maverick-mode", "direct")
                .POST(HttpRequest.BodyPublishers.ofString(Sse.chat("Direct [standin:length=6]", "\"stream\":true")))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, direct.statusCode());
        Sse.post(url, "/v1/chat/completions", "{\"model\":\"llama-4-maverick\",\"n\":5,\"messages\":[]}");
        List<ObservabilityFiles.Query> queries = ObservabilityFiles.queries();

        // the worker records its metrics as it finishes, just after the client has the last event
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<String, List<String>> missing = ObservabilityFiles.missing(queries,
                    ObservabilityFiles.sampleNames(ObservabilityFilesTest.scrape(base)), Set.of());
            assertTrue(missing.isEmpty(), "series used but not exported (name -> where): " + missing);
        });
        Set<String> used = ObservabilityFiles.queries().stream().flatMap(q -> q.metrics().stream())
                .map(PromQl::baseName).collect(Collectors.toSet());
        assertTrue(used.containsAll(ObservabilityFilesTest.QUEUE_ONLY), "the queue's series are all used, so checked here");
    }
}
