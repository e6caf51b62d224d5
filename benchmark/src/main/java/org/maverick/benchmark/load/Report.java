package org.maverick.benchmark.load;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/** Renders run results as a terminal table (genai-perf's layout) and as JSON. */
public final class Report {

    private Report() {
    }

    public static String table(String title, Metrics.Summary s) {
        StringBuilder out = new StringBuilder();
        out.append(title).append('\n');
        String line = "-".repeat(86) + "\n";
        out.append(line).append(String.format(Locale.ROOT, "%-38s %9s %9s %9s %9s %9s%n", "Statistic", "avg", "p50",
                "p90", "p99", "max"));
        out.append(line);
        row(out, "Time to first token (ms)", s.ttftMs());
        row(out, "Inter-token latency (ms)", s.itlMs());
        row(out, "End-to-end latency (ms)", s.e2eMs());
        row(out, "Output tokens per request", s.outputTokensPerRequest());
        if (s.stampLatencyMs().count() > 0) {
            row(out, "Engine→client per response (ms)", s.stampLatencyMs());
            row(out, "Engine→client first token (ms)", s.firstStampLatencyMs());
        }
        out.append(line);
        out.append(String.format(Locale.ROOT, "Output token throughput (tokens/s): %.1f%n", s.outputTokensPerSecond()));
        out.append(String.format(Locale.ROOT, "Request throughput (requests/s):     %.2f%n", s.requestsPerSecond()));
        out.append(String.format(Locale.ROOT, "Requests: %d completed, %d errors, %d cancelled (window %.1f s)%n",
                s.completed(), s.errors(), s.cancelled(), s.windowSeconds()));
        for (String e : s.errorSamples()) {
            out.append("  error: ").append(e).append('\n');
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String name, Samples.Distribution d) {
        out.append(String.format(Locale.ROOT, "%-38s %9.2f %9.2f %9.2f %9.2f %9.2f%n", name, d.mean(), d.p50(), d.p90(),
                d.p99(), d.max()));
    }

    public static ObjectNode json(LoadGenerator.Result r) {
        ObjectNode o = ChunkReader.JSON.createObjectNode();
        LoadConfig c = r.config();
        o.put("name", c.name());
        o.put("url", c.url().toString());
        o.put("transport", c.transport().name().toLowerCase(Locale.ROOT));
        if (c.rateMode()) {
            o.put("request_rate", c.rate());
        } else {
            o.put("concurrency", c.concurrency());
        }
        o.put("input_tokens", c.inputTokens());
        o.put("output_tokens", c.outputTokens());
        ArrayNode directives = o.putArray("directives");
        c.directives().forEach(directives::add);
        ObjectNode headers = o.putObject("headers");
        c.headers().forEach(headers::put);
        o.put("warmup_s", c.warmup().toMillis() / 1000.0);
        o.put("duration_s", c.duration().toMillis() / 1000.0);
        o.put("max_open_streams", r.maxOpenStreams());
        o.put("tokens_in_window", r.tokensInWindow());
        summary(o, r.summary());
        return o;
    }

    public static void summary(ObjectNode o, Metrics.Summary s) {
        o.put("completed", s.completed());
        o.put("errors", s.errors());
        o.put("cancelled", s.cancelled());
        ArrayNode samples = o.putArray("error_samples");
        s.errorSamples().forEach(samples::add);
        o.put("output_tokens", s.outputTokens());
        o.put("window_s", s.windowSeconds());
        o.put("output_tokens_per_s", s.outputTokensPerSecond());
        o.put("requests_per_s", s.requestsPerSecond());
        distribution(o.putObject("time_to_first_token_ms"), s.ttftMs());
        distribution(o.putObject("inter_token_latency_ms"), s.itlMs());
        distribution(o.putObject("end_to_end_latency_ms"), s.e2eMs());
        distribution(o.putObject("output_tokens_per_request"), s.outputTokensPerRequest());
        distribution(o.putObject("stamp_latency_ms"), s.stampLatencyMs());
        distribution(o.putObject("first_token_stamp_latency_ms"), s.firstStampLatencyMs());
    }

    public static void distribution(ObjectNode o, Samples.Distribution d) {
        o.put("count", d.count());
        for (var e : List.of(
                java.util.Map.entry("mean", d.mean()), java.util.Map.entry("min", d.min()),
                java.util.Map.entry("p50", d.p50()), java.util.Map.entry("p90", d.p90()),
                java.util.Map.entry("p99", d.p99()), java.util.Map.entry("max", d.max()))) {
            if (Double.isNaN(e.getValue())) {
                o.putNull(e.getKey());
            } else {
                o.put(e.getKey(), Math.round(e.getValue() * 1000) / 1000.0);
            }
        }
    }
}
