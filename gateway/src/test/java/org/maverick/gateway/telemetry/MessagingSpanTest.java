package org.maverick.gateway.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Kafka spans of both ends (the edge's publish, the worker's process) from the one factory: the
 * same names and messaging attributes whichever side builds them, on a real OpenTelemetry SDK.
 */
class MessagingSpanTest {

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private final Telemetry telemetry = new Telemetry(sdk, null);

    @AfterEach
    void close() {
        sdk.close();
    }

    private SpanData only() {
        List<SpanData> spans = exported.getFinishedSpanItems();
        assertEquals(1, spans.size(), spans::toString);
        return spans.get(0);
    }

    @Test
    void aPublishGetsItsPlaceOnceTheBrokerAcknowledged() {
        Span publish = telemetry.messagingSpan(SpanKind.PRODUCER, Context.root(), "maverick.generation.requests",
                "chatcmpl-1").setAttribute(Telemetry.MESSAGING_KEY, "chatcmpl-1").startSpan();
        Telemetry.messagePosition(publish, 3, 42L);
        publish.end();

        SpanData span = only();
        assertEquals("maverick.generation.requests publish", span.getName());
        assertEquals(SpanKind.PRODUCER, span.getKind());
        assertEquals(Attributes.builder()
                .put("messaging.system", "kafka")
                .put("messaging.operation.type", "send")
                .put("messaging.destination.name", "maverick.generation.requests")
                .put("messaging.kafka.message.key", "chatcmpl-1")
                .put("maverick.request_id", "chatcmpl-1")
                .put("messaging.destination.partition.id", "3")
                .put(AttributeKey.longKey("messaging.kafka.offset"), 42L)
                .build().asMap(), span.getAttributes().asMap());
    }

    @Test
    void aProcessKnowsItsPlaceFromTheStartAndContinuesTheSendersTrace() {
        Span publish = telemetry.messagingSpan(SpanKind.PRODUCER, Context.root(), "requests", "chatcmpl-2").startSpan();
        Context fromHeaders = Context.root().with(publish);
        telemetry.messagingSpan(SpanKind.CONSUMER, fromHeaders, "requests", 5, 7L, "chatcmpl-2")
                .setAttribute(Telemetry.MESSAGING_CONSUMER_GROUP, "maverick-workers")
                .startSpan().end();

        SpanData span = only();
        assertEquals("requests process", span.getName());
        assertEquals(SpanKind.CONSUMER, span.getKind());
        assertEquals(publish.getSpanContext().getSpanId(), span.getParentSpanId());
        assertEquals(Attributes.builder()
                .put("messaging.system", "kafka")
                .put("messaging.operation.type", "process")
                .put("messaging.destination.name", "requests")
                .put("messaging.destination.partition.id", "5")
                .put(AttributeKey.longKey("messaging.kafka.offset"), 7L)
                .put("messaging.consumer.group.name", "maverick-workers")
                .put("maverick.request_id", "chatcmpl-2")
                .build().asMap(), span.getAttributes().asMap());
    }

    @Test
    void onlyProducersAndConsumersAreMessagingSpans() {
        assertThrows(IllegalArgumentException.class,
                () -> telemetry.messagingSpan(SpanKind.CLIENT, Context.root(), "requests", "chatcmpl-3"));
    }
}
