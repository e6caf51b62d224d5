package org.maverick.gateway.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The gateway's metrics, named after the OpenTelemetry GenAI semantic conventions where they exist
 * ({@code gen_ai.server.*} as a server to clients, {@code gen_ai.client.*} for its calls to Triton)
 * and {@code maverick.gateway.*} otherwise. Exposed for Prometheus at {@code /q/metrics}, where dots
 * become underscores and units become suffixes ({@code gen_ai_server_time_to_first_token_seconds}).
 *
 * <p>Recorded once per request when it ends, never per token: the token path only stores instants.
 * Meters are looked up in small caches keyed by their tag values, so a request allocates no meter.
 */
@ApplicationScoped
public class GatewayMetrics {

    public static final String REQUEST_DURATION = "gen_ai.server.request.duration";
    public static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
    public static final String TIME_PER_OUTPUT_TOKEN = "gen_ai.server.time_per_output_token";
    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    public static final String CLIENT_OPERATION_DURATION = "gen_ai.client.operation.duration";
    public static final String REQUESTS = "maverick.gateway.requests";
    public static final String QUEUE_WAIT = "maverick.gateway.queue.wait";
    public static final String IN_FLIGHT = "maverick.gateway.generations.in_flight";
    public static final String WORKER_LAG = "maverick.gateway.worker.lag";
    public static final String WORKER_IN_FLIGHT = "maverick.gateway.worker.in_flight";
    public static final String TRITON_READY = "maverick.gateway.triton.ready";
    public static final String KAFKA_READY = "maverick.gateway.kafka.ready";
    public static final String IMAGES_PER_REQUEST = "maverick.gateway.images.per_request";
    public static final String IMAGE_FETCH_BYTES = "maverick.gateway.images.fetch.size";
    public static final String IMAGE_FETCH_DURATION = "maverick.gateway.images.fetch.duration";
    public static final String IMAGES_REFUSED = "maverick.gateway.images.refused";
    public static final String RESPONSES_STORED = "maverick.gateway.responses.stored";
    public static final String RESPONSES_STORE_LAG = "maverick.gateway.responses.store.lag";
    public static final String RESPONSES_WRITES = "maverick.gateway.responses.writes";
    public static final String BACKGROUND_RUNS = "maverick.gateway.responses.background";

    /** Latency buckets for LLM work: milliseconds (a token) to minutes (a long answer). */
    private static final Duration[] LATENCY_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32,
            0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68, 655.36);
    private static final Duration[] PER_TOKEN_BUCKETS = seconds(0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04,
            0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5);
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
            4194304};

    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> summaries = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics kept in {@code registry}: for code built outside CDI (unit tests), which has no Prometheus. */
    public static GatewayMetrics of(MeterRegistry registry) {
        return new GatewayMetrics(registry);
    }

    /** The number of pictures of a request that carries any. */
    public void imagesPerRequest(int images) {
        summaries.computeIfAbsent(IMAGES_PER_REQUEST, k -> DistributionSummary.builder(IMAGES_PER_REQUEST)
                .description("Pictures per request, of requests that carry any.")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32).register(registry)).record(images);
    }

    /**
     * One image URL fetched (redirects included), or given up: the bytes received (up to the point it was
     * stopped) and how long it took. {@code outcome} is {@code ok} or the refusal's code.
     */
    public void imageFetched(long bytes, long nanos, String outcome) {
        summaries.computeIfAbsent(IMAGE_FETCH_BYTES + '|' + outcome, k -> DistributionSummary.builder(IMAGE_FETCH_BYTES)
                .description("Bytes received per image URL fetched, by outcome.").baseUnit("bytes")
                .tag("maverick.outcome", outcome)
                .serviceLevelObjectives(1024, 16384, 131072, 1048576, 4194304, 16777216).register(registry))
                .record(bytes);
        timers.computeIfAbsent(IMAGE_FETCH_DURATION + '|' + outcome, k -> Timer.builder(IMAGE_FETCH_DURATION)
                .description("Time to fetch one image URL, redirects included, by outcome.")
                .tag("maverick.outcome", outcome).serviceLevelObjectives(LATENCY_BUCKETS).register(registry))
                .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** A picture refused, by its reason code ({@code image_url_forbidden}, {@code image_too_large}, ...). */
    public void imageRefused(String reason) {
        counters.computeIfAbsent(IMAGES_REFUSED + '|' + reason, k -> Counter.builder(IMAGES_REFUSED)
                .description("Pictures refused, by reason.").tag("reason", reason).register(registry)).increment();
    }

    /** The end of one generation, as the client saw it. */
    public void generationEnded(Timings t) {
        String op = t.operation();
        String model = t.model();
        String mode = t.mode();
        String outcome = t.outcome();
        String errorType = t.errorType();
        timer(REQUEST_DURATION, LATENCY_BUCKETS, "Duration of a generation request, from arrival to its last byte.",
                op, model, mode, outcome, errorType).record(t.durationNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        if (t.firstTokenNanos() > 0) {
            timer(TIME_TO_FIRST_TOKEN, LATENCY_BUCKETS, "Time from request arrival to the first content token.",
                    op, model, mode, null, null).record(t.timeToFirstTokenNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        if (t.outputTokens() > 1 && t.firstTokenNanos() > 0) {
            timer(TIME_PER_OUTPUT_TOKEN, PER_TOKEN_BUCKETS, "Time per output token after the first (inter-token latency).",
                    op, model, mode, null, null).record(t.timePerOutputTokenNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        if (t.inputTokens() > 0) {
            tokens(op, model, "input").record(t.inputTokens());
        }
        if (t.outputTokens() > 0) {
            tokens(op, model, "output").record(t.outputTokens());
        }
        counter(op, mode, outcome, errorType).increment();
    }

    /** A request refused before it could run (validation, limits): counted, with its error code. */
    public void rejected(String operation, String mode, String code) {
        counter(operation, mode, "rejected", code).increment();
    }

    /** One call to Triton, as its client. */
    public void tritonCall(String model, long nanos, String errorType) {
        String key = CLIENT_OPERATION_DURATION + '|' + model + '|' + errorType;
        timers.computeIfAbsent(key, k -> {
            Timer.Builder b = Timer.builder(CLIENT_OPERATION_DURATION)
                    .description("Duration of one generation call to Triton (ModelStreamInfer), as its client.")
                    .tag("gen_ai.operation.name", "chat").tag("gen_ai.request.model", model)
                    .tag("gen_ai.system", "triton").tag("server.type", "tensorrt_llm")
                    .serviceLevelObjectives(LATENCY_BUCKETS);
            b.tag("error.type", errorType == null ? "" : errorType);
            return b.register(registry);
        }).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Time a queued request waited in Kafka before a worker started it. */
    public void queueWait(long millis) {
        timers.computeIfAbsent(QUEUE_WAIT, k -> Timer.builder(QUEUE_WAIT)
                .description("Time a queued request waited in Kafka before a worker started it.")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry))
                .record(Math.max(0, millis), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** A stored response written ({@code outcome} ok or failed) by this instance. */
    public void responseWritten(String outcome) {
        counters.computeIfAbsent(RESPONSES_WRITES + '|' + outcome, k -> Counter.builder(RESPONSES_WRITES)
                .description("Stored responses written to Kafka by this instance (every change, deletions too).")
                .tag("maverick.outcome", outcome).register(registry)).increment();
    }

    /** A background response ended ({@code outcome}: completed, incomplete, failed, cancelled), counted once. */
    public void backgroundEnded(String outcome) {
        counters.computeIfAbsent(BACKGROUND_RUNS + '|' + outcome, k -> Counter.builder(BACKGROUND_RUNS)
                .description("Background responses that ended, by outcome (counted by the instance that stored it).")
                .tag("maverick.outcome", outcome).register(registry)).increment();
    }

    /** Registers a gauge read when scraped (the supplier must be cheap and thread-safe). */
    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    private Timer timer(String name, Duration[] buckets, String description, String op, String model, String mode,
                        String outcome, String errorType) {
        String key = name + '|' + op + '|' + model + '|' + mode + '|' + outcome + '|' + errorType;
        Timer t = timers.get(key);
        if (t != null) {
            return t;
        }
        return timers.computeIfAbsent(key, k -> {
            Timer.Builder b = Timer.builder(name).description(description)
                    .tag("gen_ai.operation.name", op).tag("gen_ai.request.model", model).tag("maverick.mode", mode)
                    .serviceLevelObjectives(buckets);
            if (outcome != null) {
                b.tag("maverick.outcome", outcome).tag("error.type", errorType == null ? "" : errorType);
            }
            return b.register(registry);
        });
    }

    private DistributionSummary tokens(String op, String model, String type) {
        String key = op + '|' + model + '|' + type;
        DistributionSummary s = summaries.get(key);
        if (s != null) {
            return s;
        }
        return summaries.computeIfAbsent(key, k -> DistributionSummary.builder(TOKEN_USAGE)
                .description("Tokens per request, input (prompt) and output (completion).")
                .baseUnit("tokens")
                .tag("gen_ai.operation.name", op).tag("gen_ai.request.model", model).tag("gen_ai.token.type", type)
                .serviceLevelObjectives(TOKEN_BUCKETS).register(registry));
    }

    private Counter counter(String op, String mode, String outcome, String errorType) {
        String key = op + '|' + mode + '|' + outcome + '|' + errorType;
        Counter c = counters.get(key);
        if (c != null) {
            return c;
        }
        return counters.computeIfAbsent(key, k -> Counter.builder(REQUESTS)
                .description("Generation requests by outcome: ok, cancelled, rejected, error, expired.")
                .tag("gen_ai.operation.name", op).tag("maverick.mode", mode).tag("maverick.outcome", outcome)
                .tag("error.type", errorType == null ? "" : errorType).register(registry));
    }

    private static Duration[] seconds(double... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return d;
    }
}
