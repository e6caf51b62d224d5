package org.maverick.gateway.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One generation as the client sees it: its span, its instants, and at its end the metrics and the
 * access-log line, all from one {@link Timings}.
 *
 * <p>The token path ({@link #onEvent}) stores one instant for the first token and nothing else: no
 * allocation, no lock. Events arrive on one thread at a time (the stream's), while the end can race
 * between completion, failure and cancellation, so ending is guarded by a CAS.
 */
public final class GenerationTrace {

    private static final Logger ACCESS = Logger.getLogger("maverick.access");

    private final Generation generation;
    private final String operation;
    private final String mode;
    private final Span span;
    private final Context context;
    private final GatewayMetrics metrics;
    private final long startNanos;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile long firstTokenNanos;
    private volatile GenerationEvent.Finished finished;

    GenerationTrace(Generation generation, String operation, String mode, Span span, Context context,
                    GatewayMetrics metrics, long startNanos) {
        this.generation = generation;
        this.operation = operation;
        this.mode = mode;
        this.span = span;
        this.context = context;
        this.metrics = metrics;
        this.startNanos = startNanos;
    }

    /** The context whose current span is this generation's: downstream hops become its children. */
    public Context context() {
        return context;
    }

    /** Output tokens of the finished generation, or 0 while it runs or when it failed. */
    public int outputTokens() {
        GenerationEvent.Finished f = finished;
        return f == null ? 0 : f.usage().completionTokens();
    }

    public void onEvent(GenerationEvent event) {
        // a tool call is output too: an answer that is only calls still has a first token
        if (event instanceof GenerationEvent.Token || event instanceof GenerationEvent.ToolCall) {
            if (firstTokenNanos == 0) {
                firstTokenNanos = System.nanoTime();
                span.addEvent("gen_ai.first_token");
            }
        } else if (event instanceof GenerationEvent.Finished f) {
            finished = f;
        }
    }

    public void onCompletion() {
        GenerationEvent.Finished f = finished;
        if (f == null) {
            end("error", "incomplete", StatusCode.ERROR, "the backend ended without a final event");
        } else {
            end("ok", null, StatusCode.UNSET, null);
        }
    }

    public void onFailure(Throwable failure) {
        GatewayException e = failure instanceof GatewayException g ? g : new GatewayException.Internal(failure);
        String outcome;
        if ("expired".equals(e.code())) {
            outcome = "expired";
        } else if ("cancelled".equals(e.code())) {
            outcome = "cancelled";
        } else if (e instanceof GatewayException.BackendUnavailable && firstTokenNanos == 0) {
            outcome = "rejected";
        } else {
            outcome = "error";
        }
        end(outcome, e.code(), StatusCode.ERROR, e.getMessage());
    }

    /** The subscriber went away: the client closed the connection or cancelled. */
    public void onCancellation() {
        end("cancelled", "client_gone", StatusCode.ERROR, "cancelled: the client went away");
    }

    private void end(String outcome, String errorType, StatusCode status, String description) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        long endNanos = System.nanoTime();
        GenerationEvent.Finished f = finished;
        int in = f == null ? generation.promptTokens() : f.usage().promptTokens();
        int out = f == null ? 0 : f.usage().completionTokens();
        String finish = f == null ? null : f.reason().wire();
        Timings t = new Timings(generation.requestId(), operation, generation.modelId(), mode, startNanos,
                firstTokenNanos, endNanos, in, out, finish, outcome, errorType);
        metrics.generationEnded(t);
        span.setAttribute(Telemetry.OUTCOME, outcome);
        span.setAttribute(Telemetry.RESPONSE_ID, generation.requestId());
        span.setAttribute(Telemetry.INPUT_TOKENS, (long) in);
        span.setAttribute(Telemetry.OUTPUT_TOKENS, (long) out);
        if (finish != null) {
            span.setAttribute(Telemetry.FINISH_REASONS, List.of(finish));
            span.addEvent("gen_ai.finish");
        }
        if (t.firstTokenNanos() > 0) {
            span.setAttribute(Telemetry.TTFT_MS, t.timeToFirstTokenNanos() / 1e6);
        }
        if (t.timePerOutputTokenNanos() > 0) {
            span.setAttribute(Telemetry.TPOT_MS, t.timePerOutputTokenNanos() / 1e6);
        }
        if (errorType != null) {
            span.setAttribute(Telemetry.ERROR_TYPE, errorType);
        }
        if (status == StatusCode.ERROR) {
            span.setStatus(StatusCode.ERROR, description);
        }
        span.end();
        accessLog(t);
    }

    private static final String[] ACCESS_KEYS = {"request_id", "traceId", "spanId", "outcome", "mode", "operation",
            "input_tokens", "output_tokens", "ttft_ms", "duration_ms", "tpot_ms"};

    /**
     * One line per request; its fields go to the JSON log as MDC entries (restored afterwards). With the
     * category {@code maverick.access} above INFO nothing of it is built.
     */
    private void accessLog(Timings t) {
        if (!ACCESS.isInfoEnabled()) {
            return;
        }
        Object[] previous = new Object[ACCESS_KEYS.length];
        for (int i = 0; i < ACCESS_KEYS.length; i++) {
            previous[i] = MDC.get(ACCESS_KEYS[i]);
        }
        var sc = span.getSpanContext();
        MDC.put("request_id", t.requestId());
        MDC.put("traceId", sc.getTraceId());
        MDC.put("spanId", sc.getSpanId());
        MDC.put("outcome", t.outcome());
        MDC.put("mode", t.mode());
        MDC.put("operation", t.operation());
        MDC.put("input_tokens", Integer.toString(t.inputTokens()));
        MDC.put("output_tokens", Integer.toString(t.outputTokens()));
        String ttft = Millis.tenths(t.timeToFirstTokenNanos());
        String duration = Millis.tenths(t.durationNanos());
        String tpot = Millis.tenths(t.timePerOutputTokenNanos());
        MDC.put("ttft_ms", ttft);
        MDC.put("duration_ms", duration);
        MDC.put("tpot_ms", tpot);
        try {
            // the line "%s %s %s %s in=%d out=%d ttft=%sms tpot=%sms total=%sms finish=%s%s" wrote, built
            // without a Formatter (one per field was most of this line's cost)
            ACCESS.info(new StringBuilder(160).append(t.operation()).append(' ').append(t.requestId()).append(' ')
                    .append(t.mode()).append(' ').append(t.outcome()).append(" in=").append(t.inputTokens())
                    .append(" out=").append(t.outputTokens()).append(" ttft=").append(ttft).append("ms tpot=")
                    .append(tpot).append("ms total=").append(duration).append("ms finish=")
                    .append(t.finishReason() == null ? "-" : t.finishReason())
                    .append(t.errorType() == null ? "" : " error=" + t.errorType()).toString());
        } finally {
            for (int i = 0; i < ACCESS_KEYS.length; i++) {
                if (previous[i] == null) {
                    MDC.remove(ACCESS_KEYS[i]);
                } else {
                    MDC.put(ACCESS_KEYS[i], previous[i]);
                }
            }
        }
    }
}
