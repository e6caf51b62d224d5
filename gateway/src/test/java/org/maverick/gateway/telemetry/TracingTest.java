package org.maverick.gateway.telemetry;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Direct mode: one trace from the HTTP request through the generation to Triton's (the stand-in's) server span. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class TracingTest {

    @Inject
    InMemorySpanExporter spans;

    @TestHTTPResource
    URL base;

    @BeforeEach
    void clear() {
        spans.reset();
    }

    private static Optional<SpanData> named(List<SpanData> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst();
    }

    @Test
    void oneTraceSpansHttpGenerationAndTriton() throws Exception {
        String secret = "the secret prompt 4711";
        Sse.Stream s = Sse.stream(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat(secret + " [standin:length=12]", "\"stream\":true,\"max_tokens\":40,\"seed\":3"));
        assertEquals(200, s.status());
        String requestId = s.header("x-request-id");

        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> named(spans.getFinishedSpanItems(), "chat llama-4-maverick")
                    .isPresent() && named(spans.getFinishedSpanItems(), "inference.GRPCInferenceService/ModelStreamInfer")
                    .isPresent());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("spans: " + spans.getFinishedSpanItems().stream()
                    .map(x -> x.getName() + "/" + x.getKind() + "/" + x.getTraceId() + "/" + x.getParentSpanId()).toList(), e);
        }
        List<SpanData> finished = spans.getFinishedSpanItems();
        SpanData generation = named(finished, "chat llama-4-maverick").orElseThrow();
        SpanData triton = named(finished, "inference.GRPCInferenceService/ModelStreamInfer").orElseThrow();
        String traceId = generation.getTraceId();
        assertEquals(traceId, triton.getTraceId());
        // Quarkus's HTTP server span, when it is recorded for the request, is the generation's parent.
        Thread.sleep(200);
        spans.getFinishedSpanItems().stream().filter(x -> x.getKind() == SpanKind.SERVER
                && x.getTraceId().equals(traceId)).findFirst().ifPresent(http ->
                assertEquals(http.getSpanId(), generation.getParentSpanId(), "the generation is a child of the HTTP span"));
        assertEquals(generation.getSpanId(), triton.getParentSpanId(), "the Triton call is a child of the generation");
        assertEquals(SpanKind.CLIENT, triton.getKind());

        var a = generation.getAttributes();
        assertEquals("chat", a.get(Telemetry.OPERATION));
        assertEquals("llama-4-maverick", a.get(Telemetry.REQUEST_MODEL));
        assertEquals(40L, a.get(Telemetry.MAX_TOKENS));
        assertEquals(3L, a.get(Telemetry.SEED));
        assertEquals(requestId, a.get(Telemetry.RESPONSE_ID));
        assertTrue(a.get(Telemetry.INPUT_TOKENS) > 0);
        assertTrue(a.get(Telemetry.OUTPUT_TOKENS) > 0);
        assertEquals(List.of("stop"), a.get(Telemetry.FINISH_REASONS));
        assertEquals("ok", a.get(Telemetry.OUTCOME));
        assertTrue(generation.getEvents().stream().anyMatch(e -> e.getName().equals("gen_ai.first_token")));
        assertTrue(generation.getEvents().stream().anyMatch(e -> e.getName().equals("gen_ai.finish")));

        // the stand-in continued the same trace from the call's metadata, under the gateway's client span
        await().atMost(Duration.ofSeconds(3)).until(() -> StandInResource.standIn().spans().stream()
                .anyMatch(x -> x.getTraceId().equals(traceId)));
        SpanData server = StandInResource.standIn().spans().stream().filter(x -> x.getTraceId().equals(traceId))
                .findFirst().orElseThrow();
        assertEquals(triton.getSpanId(), server.getParentSpanId());
        assertEquals(SpanKind.SERVER, server.getKind());

        // no prompt or completion text on any span
        for (SpanData sd : finished) {
            assertFalse(sd.getAttributes().toString().contains(secret), sd.getName() + " carries the prompt");
        }
    }

    @Test
    void aClientThatLeavesGivesACancelledSpanWithItsReason() throws Exception {
        var r = Sse.open(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("slow [standin:itl_ms=50] [standin:length=200]", "\"stream\":true"));
        r.body().read(new byte[64]);
        r.body().close();
        await().atMost(Duration.ofSeconds(5)).until(() -> named(spans.getFinishedSpanItems(), "chat llama-4-maverick")
                .isPresent());
        SpanData generation = named(spans.getFinishedSpanItems(), "chat llama-4-maverick").orElseThrow();
        assertEquals("cancelled", generation.getAttributes().get(Telemetry.OUTCOME));
        assertEquals(StatusCode.ERROR, generation.getStatus().getStatusCode());
        assertEquals("client_gone", generation.getAttributes().get(Telemetry.ERROR_TYPE));
    }

    @Test
    void aFailedGenerationHasStatusAndReason() throws Exception {
        Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("fail [standin:error_at=2] [standin:length=20]", "\"stream\":true"));
        await().atMost(Duration.ofSeconds(5)).until(() -> named(spans.getFinishedSpanItems(), "chat llama-4-maverick")
                .isPresent());
        SpanData generation = named(spans.getFinishedSpanItems(), "chat llama-4-maverick").orElseThrow();
        assertEquals("error", generation.getAttributes().get(Telemetry.OUTCOME));
        assertEquals("backend_error", generation.getAttributes().get(Telemetry.ERROR_TYPE));
        assertEquals(StatusCode.ERROR, generation.getStatus().getStatusCode());
    }
}
