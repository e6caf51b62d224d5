package org.maverick.gateway.telemetry;

/**
 * One generation's instants and counts, computed once when it ends and written to metrics, to
 * its span and to the access log alike (so the three never disagree).
 *
 * @param startNanos      arrival at the gateway ({@link System#nanoTime()})
 * @param firstTokenNanos first content token sent on, or 0 if none
 * @param endNanos        end of the generation as the gateway saw it
 * @param outcome         ok, cancelled, rejected, error or expired
 * @param errorType       the error's stable code, or null
 */
public record Timings(String requestId, String operation, String model, String mode, long startNanos,
                      long firstTokenNanos, long endNanos, int inputTokens, int outputTokens, String finishReason,
                      String outcome, String errorType) {

    public long durationNanos() {
        return endNanos - startNanos;
    }

    public long timeToFirstTokenNanos() {
        return firstTokenNanos == 0 ? 0 : firstTokenNanos - startNanos;
    }

    /** genai-perf's inter-token latency: (end-to-end − TTFT) / (output tokens − 1). */
    public long timePerOutputTokenNanos() {
        return outputTokens <= 1 || firstTokenNanos == 0 ? 0 : (endNanos - firstTokenNanos) / (outputTokens - 1);
    }
}
