package org.maverick.benchmark.load;

import java.util.ArrayList;
import java.util.List;

/**
 * genai-perf's metrics over the requests of one run's measurement window:
 * <ul>
 *   <li>time to first token: request sent → first content chunk (a role-only chunk is not a token);</li>
 *   <li>inter-token latency: (end-to-end − TTFT) / (output tokens − 1), per request with at least two tokens;</li>
 *   <li>end-to-end latency: request sent → end of stream;</li>
 *   <li>output tokens/s and requests/s: totals of completed requests over the window from the first
 *       request sent to the last one ended.</li>
 * </ul>
 * Plus, when the endpoint's text carries stand-in stamps: stamp latency (arrival − engine send time)
 * of every streamed response and of the first one.
 */
public final class Metrics {

    private Metrics() {
    }

    public record Summary(
            int completed,
            int errors,
            int cancelled,
            long outputTokens,
            double windowSeconds,
            double outputTokensPerSecond,
            double requestsPerSecond,
            Samples.Distribution ttftMs,
            Samples.Distribution itlMs,
            Samples.Distribution e2eMs,
            Samples.Distribution outputTokensPerRequest,
            Samples.Distribution stampLatencyMs,
            Samples.Distribution firstStampLatencyMs,
            List<String> errorSamples) {
    }

    public static Summary of(List<RequestRecord> records, RequestRecord.TokenCount rule) {
        Samples ttft = new Samples();
        Samples itl = new Samples();
        Samples e2e = new Samples();
        Samples tokensPerRequest = new Samples();
        Samples stamps = new Samples();
        Samples firstStamps = new Samples();
        List<String> errorSamples = new ArrayList<>();
        int completed = 0;
        int errors = 0;
        int cancelled = 0;
        long tokens = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (RequestRecord r : records) {
            if (r.cancelled) {
                cancelled++;
                continue;
            }
            if (r.error != null || r.endNanos < 0) {
                errors++;
                if (errorSamples.size() < 5) {
                    errorSamples.add(r.error == null ? "stream did not end" : r.error);
                }
                continue;
            }
            completed++;
            int n = r.outputTokens(rule);
            tokens += n;
            tokensPerRequest.add(n);
            long total = r.endNanos - r.sentNanos;
            e2e.add(total);
            if (r.firstTokenNanos >= 0) {
                long t = r.firstTokenNanos - r.sentNanos;
                ttft.add(t);
                if (n > 1) {
                    itl.add(interTokenLatency(total, t, n));
                }
            }
            stamps.addAll(r.stampLatencies);
            if (r.firstStampLatency >= 0) {
                firstStamps.add(r.firstStampLatency);
            }
            first = Math.min(first, r.sentNanos);
            last = Math.max(last, r.endNanos);
        }
        double window = completed == 0 ? 0 : (last - first) / 1e9;
        return new Summary(completed, errors, cancelled, tokens, window,
                window > 0 ? tokens / window : 0, window > 0 ? completed / window : 0,
                ttft.distribution(1e6), itl.distribution(1e6), e2e.distribution(1e6),
                tokensPerRequest.distribution(1), stamps.distribution(1e6), firstStamps.distribution(1e6),
                errorSamples);
    }

    /** genai-perf's ITL of one request: the time after the first token spread over the remaining tokens. */
    public static long interTokenLatency(long e2eNanos, long ttftNanos, int outputTokens) {
        if (outputTokens < 2) {
            throw new IllegalArgumentException("ITL needs at least two tokens, got " + outputTokens);
        }
        return (e2eNanos - ttftNanos) / (outputTokens - 1);
    }
}
