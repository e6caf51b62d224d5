package org.maverick.gateway.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Direct mode: one trace from the HTTP request through the generation to Triton's (the stand-in's) server span. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class TracingTest {

    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");

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
        // Twice over the client's one connection: the first generation ends in gRPC callbacks on the event
        // loop that serves this connection, and must leave nothing behind there that keeps the second
        // request from getting a server span of its own.
        oneTracedGeneration("the secret prompt 4711");
        oneTracedGeneration("the secret prompt 4712");
    }

    private void oneTracedGeneration(String secret) throws Exception {
        Sse.Stream s = Sse.stream(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat(secret + " [standin:length=12]", "\"stream\":true,\"max_tokens\":40,\"seed\":3"));
        assertEquals(200, s.status());
        String requestId = s.header("x-request-id");

        SpanData generation = awaitSpan("generation span of " + requestId, x -> x.getName().equals("chat llama-4-maverick")
                && requestId.equals(x.getAttributes().get(Telemetry.REQUEST_ID)));
        String traceId = generation.getTraceId();
        // The server span ends when the response's last frame is written, which may be after the generation's
        // span was exported: it can come in a later batch.
        SpanData http = awaitSpan("HTTP server span in the generation's trace " + traceId + " (the generation's "
                + "parent is " + generation.getParentSpanId() + ")", x -> x.getKind() == SpanKind.SERVER
                && x.getTraceId().equals(traceId));
        SpanData triton = awaitSpan("Triton client span in trace " + traceId, x -> x.getTraceId().equals(traceId)
                && x.getName().equals("inference.GRPCInferenceService/ModelStreamInfer"));
        assertFalse(http.getParentSpanContext().isValid(), "the request carried no trace context: its server span is the root");
        assertEquals("/v1/chat/completions", http.getAttributes().get(URL_PATH));
        assertEquals(http.getSpanId(), generation.getParentSpanId(), "the generation is a child of the HTTP span");
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
        for (SpanData sd : spans.getFinishedSpanItems()) {
            assertFalse(sd.getAttributes().toString().contains(secret), sd.getName() + " carries the prompt");
        }
    }

    private SpanData awaitSpan(String what, Predicate<SpanData> which) {
        try {
            return await().atMost(Duration.ofSeconds(15)).until(() -> spans.getFinishedSpanItems().stream()
                    .filter(which).findFirst(), Optional::isPresent).orElseThrow();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + what + " among " + spans.getFinishedSpanItems().stream()
                    .map(x -> x.getName() + "/" + x.getKind() + "/" + x.getTraceId() + "/" + x.getSpanId()
                            + " parent " + x.getParentSpanId()).toList(), e);
        }
    }

    @Test
    void aClientThatLeavesGivesACancelledSpanWithItsReason() throws Exception {
        var r = Sse.open(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("slow [standin:itl_ms=50] [standin:length=200]", "\"stream\":true"));
        String requestId = r.headers().firstValue("x-request-id").orElseThrow();
        r.body().read(new byte[64]);
        r.body().close();
        SpanData generation = awaitGenerationSpan(requestId);
        assertEquals("cancelled", generation.getAttributes().get(Telemetry.OUTCOME));
        assertEquals(StatusCode.ERROR, generation.getStatus().getStatusCode());
        assertEquals("client_gone", generation.getAttributes().get(Telemetry.ERROR_TYPE));
    }

    @Test
    void aFailedGenerationHasStatusAndReason() throws Exception {
        var r = Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("fail [standin:error_at=2] [standin:length=20]", "\"stream\":true"));
        SpanData generation = awaitGenerationSpan(r.headers().firstValue("x-request-id").orElseThrow());
        assertEquals("error", generation.getAttributes().get(Telemetry.OUTCOME));
        assertEquals("backend_error", generation.getAttributes().get(Telemetry.ERROR_TYPE));
        assertEquals(StatusCode.ERROR, generation.getStatus().getStatusCode());
    }

    /**
     * This request's generation span, by its request id: another test's generation may still end (and
     * be exported) after this test's {@code spans.reset()}, so the first generation span is not this one.
     */
    private SpanData awaitGenerationSpan(String requestId) {
        return awaitSpan("generation span of " + requestId, sd -> sd.getName().equals("chat llama-4-maverick")
                && requestId.equals(sd.getAttributes().get(Telemetry.REQUEST_ID)));
    }
}
