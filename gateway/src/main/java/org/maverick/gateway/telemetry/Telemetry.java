package org.maverick.gateway.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.generation.Generation;

/**
 * The gateway's tracing: one {@code chat <model>} span per generation (OpenTelemetry GenAI
 * conventions), a span per hop (the Triton call, each Kafka publish and process), and the W3C trace
 * context carried across every hop (gRPC metadata to Triton, Kafka record headers to workers). Every
 * span is built here, so each kind of span has its attributes written once. No prompt or completion
 * text is ever put on a span.
 */
@ApplicationScoped
public class Telemetry {

    public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
    public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    public static final AttributeKey<Double> TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
    public static final AttributeKey<Double> TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
    public static final AttributeKey<Long> SEED = AttributeKey.longKey("gen_ai.request.seed");
    public static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<java.util.List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("maverick.request_id");
    public static final AttributeKey<String> MODE = AttributeKey.stringKey("maverick.mode");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("maverick.outcome");
    public static final AttributeKey<String> CALLER = AttributeKey.stringKey("maverick.caller");
    public static final AttributeKey<Double> TTFT_MS = AttributeKey.doubleKey("maverick.time_to_first_token_ms");
    public static final AttributeKey<Double> TPOT_MS = AttributeKey.doubleKey("maverick.time_per_output_token_ms");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("maverick.attempt");
    public static final AttributeKey<Double> QUEUE_WAIT_MS = AttributeKey.doubleKey("maverick.queue_wait_ms");

    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> MESSAGING_OPERATION_TYPE =
            AttributeKey.stringKey("messaging.operation.type");
    public static final AttributeKey<String> MESSAGING_DESTINATION =
            AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<String> MESSAGING_PARTITION =
            AttributeKey.stringKey("messaging.destination.partition.id");
    public static final AttributeKey<Long> MESSAGING_OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    public static final AttributeKey<String> MESSAGING_KEY = AttributeKey.stringKey("messaging.kafka.message.key");
    public static final AttributeKey<String> MESSAGING_CONSUMER_GROUP =
            AttributeKey.stringKey("messaging.consumer.group.name");

    private static final String TRITON_SERVICE = "inference.GRPCInferenceService";
    private static final String TRITON_METHOD = "ModelStreamInfer";

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final GatewayMetrics metrics;

    Telemetry(OpenTelemetry openTelemetry, GatewayMetrics metrics) {
        this.tracer = openTelemetry.getTracer("org.maverick.gateway");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.metrics = metrics;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Starts tracking a generation: its span is a child of the current context (the HTTP request's). */
    public GenerationTrace start(Generation g) {
        String op = operation(g);
        Span span = tracer.spanBuilder(op + " " + g.modelId())
                .setParent(Context.current())
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(OPERATION, op)
                .setAttribute(REQUEST_MODEL, g.modelId())
                .setAttribute(MAX_TOKENS, (long) g.sampling().maxTokens())
                .setAttribute(TEMPERATURE, g.sampling().temperature())
                .setAttribute(TOP_P, g.sampling().topP())
                .setAttribute(REQUEST_ID, g.requestId())
                .setAttribute(MODE, mode(g))
                .setAttribute(CALLER, g.caller())
                .startSpan();
        g.sampling().seed().ifPresent(seed -> span.setAttribute(SEED, seed));
        return new GenerationTrace(g, op, mode(g), span, Context.current().with(span), metrics, System.nanoTime());
    }

    /**
     * A span for one Kafka hop of a request (OpenTelemetry messaging conventions): {@code <topic> publish}
     * for {@link SpanKind#PRODUCER}, {@code <topic> process} for {@link SpanKind#CONSUMER}. For a record
     * being sent, whose place the broker has not assigned yet; add it with {@link #messagePosition}.
     * Returned unstarted, so a hop can add attributes of its own.
     */
    public SpanBuilder messagingSpan(SpanKind kind, Context parent, String topic, String requestId) {
        String operation = switch (kind) {
            case PRODUCER -> "publish";
            case CONSUMER -> "process";
            default -> throw new IllegalArgumentException("a messaging span is a producer or a consumer, not " + kind);
        };
        return tracer.spanBuilder(topic + " " + operation)
                .setParent(parent)
                .setSpanKind(kind)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(MESSAGING_OPERATION_TYPE, kind == SpanKind.PRODUCER ? "send" : "process")
                .setAttribute(MESSAGING_DESTINATION, topic)
                .setAttribute(REQUEST_ID, requestId);
    }

    /** The same for a record whose place is known: one being processed. */
    public SpanBuilder messagingSpan(SpanKind kind, Context parent, String topic, int partition, long offset,
                                     String requestId) {
        return messagingSpan(kind, parent, topic, requestId)
                .setAttribute(MESSAGING_PARTITION, Integer.toString(partition))
                .setAttribute(MESSAGING_OFFSET, offset);
    }

    /** The place the broker gave a record, on the span that sent it. */
    public static void messagePosition(Span span, int partition, long offset) {
        span.setAttribute(MESSAGING_PARTITION, Integer.toString(partition));
        span.setAttribute(MESSAGING_OFFSET, offset);
    }

    /**
     * The client span of one Triton {@code ModelStreamInfer} call (one attempt of a generation), started.
     * Triton in OpenTelemetry trace mode joins it from the call's metadata.
     */
    public Span tritonCallSpan(Context parent, String serverAddress, int attempt, String model, String requestId) {
        return tracer.spanBuilder(TRITON_SERVICE + "/" + TRITON_METHOD)
                .setParent(parent).setSpanKind(SpanKind.CLIENT)
                .setAttribute("rpc.system", "grpc")
                .setAttribute("rpc.service", TRITON_SERVICE)
                .setAttribute("rpc.method", TRITON_METHOD)
                .setAttribute("server.address", serverAddress)
                .setAttribute("maverick.triton.attempt", (long) attempt)
                .setAttribute(SYSTEM, "triton")
                .setAttribute(OPERATION, "chat")
                .setAttribute(REQUEST_MODEL, model)
                .setAttribute(REQUEST_ID, requestId)
                .startSpan();
    }

    /**
     * The client span of one image URL fetch (all its redirects), started: a child of {@code parent}, the
     * request's context. Carries the host and port, never the path (it may hold a caller's tokens).
     */
    public Span imageFetchSpan(Context parent, String scheme, String host, int port) {
        return tracer.spanBuilder("image fetch")
                .setParent(parent).setSpanKind(SpanKind.CLIENT)
                .setAttribute("url.scheme", scheme)
                .setAttribute("server.address", host)
                .setAttribute("server.port", (long) port)
                .startSpan();
    }

    public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
        propagator.inject(context, carrier, setter);
    }

    public <C> Context extract(C carrier, TextMapGetter<C> getter) {
        return propagator.extract(Context.root(), carrier, getter);
    }

    public static String operation(Generation g) {
        return g.kind() == Generation.Kind.CHAT ? "chat" : "text_completion";
    }

    public static String mode(Generation g) {
        return g.dispatch() == Generation.Dispatch.QUEUED ? "queued" : "direct";
    }
}
