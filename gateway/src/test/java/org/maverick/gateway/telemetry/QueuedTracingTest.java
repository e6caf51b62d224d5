package org.maverick.gateway.telemetry;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
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
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queued mode: the trace goes from the HTTP request through the Kafka publish (context in record
 * headers) to the worker's processing span, its Triton call and the stand-in's server span.
 */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class QueuedTracingTest {

    @Inject
    InMemorySpanExporter spans;

    @TestHTTPResource
    URL base;

    private SpanData one(List<SpanData> all, String name) {
        return all.stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + names(all)));
    }

    private static String names(List<SpanData> all) {
        return all.stream().map(SpanData::getName).collect(Collectors.joining(", "));
    }

    @Test
    void oneTraceSpansHttpKafkaWorkerAndTriton() throws Exception {
        String url = base.toString().replaceAll("/$", "");
        await().atMost(Duration.ofSeconds(20)).until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        spans.reset();
        Sse.Stream s = Sse.stream(url, "/v1/chat/completions", Sse.chat("Trace me [standin:length=8]", "\"stream\":true"));
        assertEquals(200, s.status());
        String requestId = s.header("x-request-id");
        await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .map(SpanData::getName).collect(Collectors.toSet()).containsAll(List.of("chat llama-4-maverick",
                        "maverick.generation.requests publish", "maverick.generation.requests process",
                        "inference.GRPCInferenceService/ModelStreamInfer")));
        List<SpanData> all = spans.getFinishedSpanItems().stream()
                .filter(x -> requestId.equals(x.getAttributes().get(Telemetry.REQUEST_ID))
                        || x.getKind() == SpanKind.SERVER).toList();
        SpanData generation = one(all, "chat llama-4-maverick");
        SpanData publish = one(all, "maverick.generation.requests publish");
        SpanData process = one(all, "maverick.generation.requests process");
        SpanData triton = one(all, "inference.GRPCInferenceService/ModelStreamInfer");
        String traceId = generation.getTraceId();
        for (SpanData x : List.of(publish, process, triton)) {
            assertEquals(traceId, x.getTraceId(), x.getName() + " is in the request's trace");
        }
        // The server span ends with the response's last frame, possibly after the spans waited for above.
        await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .anyMatch(x -> x.getKind() == SpanKind.SERVER && x.getTraceId().equals(traceId)));
        SpanData http = spans.getFinishedSpanItems().stream()
                .filter(x -> x.getKind() == SpanKind.SERVER && x.getTraceId().equals(traceId)).findFirst().orElseThrow();
        assertEquals(http.getSpanId(), generation.getParentSpanId(), "the generation is a child of the HTTP span");
        assertEquals(generation.getSpanId(), publish.getParentSpanId());
        assertEquals(publish.getSpanId(), process.getParentSpanId(), "the worker continues from the record headers");
        assertEquals(process.getSpanId(), triton.getParentSpanId());
        assertEquals(SpanKind.PRODUCER, publish.getKind());
        assertEquals(SpanKind.CONSUMER, process.getKind());
        assertEquals("queued", generation.getAttributes().get(Telemetry.MODE));
        assertTrue(process.getAttributes().asMap().keySet().stream().anyMatch(k -> k.getKey().equals("maverick.queue_wait_ms")));
        await().atMost(Duration.ofSeconds(3)).until(() -> StandInResource.standIn().spans().stream()
                .anyMatch(x -> x.getTraceId().equals(traceId) && x.getParentSpanId().equals(triton.getSpanId())));
        System.out.println("queued trace " + traceId + ":");
        spans.getFinishedSpanItems().stream().filter(x -> x.getTraceId().equals(traceId))
                .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(x -> System.out.printf("  %-52s %-9s %8.2f ms%n", x.getName(), x.getKind(),
                        (x.getEndEpochNanos() - x.getStartEpochNanos()) / 1e6));
    }
}
