package org.maverick.benchmark.suite;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** The suite's report as Markdown: settings, every scenario side by side, the targets, the profiles. */
final class Markdown {

    private Markdown() {
    }

    static String render(JsonNode report) {
        StringBuilder md = new StringBuilder("# Benchmark report\n\n");
        md.append("Run ").append(report.path("started_at").asText()).append(" on ")
                .append(report.path("machine").path("cpus").asInt()).append(" CPUs, Java ")
                .append(report.path("machine").path("java").asText()).append(". Settings: `")
                .append(report.path("settings").toString()).append("`\n\n");
        JsonNode scenarios = report.path("scenarios");
        md.append("| metric |");
        scenarios.forEach(s -> md.append(' ').append(s.path("name").asText()).append(" |"));
        md.append("\n|---|");
        scenarios.forEach(s -> md.append("---:|"));
        md.append('\n');
        row(md, scenarios, "streams (concurrency)", s -> String.valueOf(s.path("concurrency").asInt()));
        row(md, scenarios, "completed / errors", s -> s.path("completed").asInt() + " / " + s.path("errors").asInt());
        for (String metric : new String[] {"time_to_first_token_ms", "inter_token_latency_ms", "end_to_end_latency_ms",
                "stamp_latency_ms", "first_token_stamp_latency_ms"}) {
            for (String stat : new String[] {"p50", "p90", "p99", "max"}) {
                row(md, scenarios, label(metric) + " " + stat, s -> num(s.path(metric).path(stat)));
            }
        }
        row(md, scenarios, "output tokens/s", s -> num(s.path("output_tokens_per_s")));
        row(md, scenarios, "requests/s", s -> num(s.path("requests_per_s")));
        row(md, scenarios, "max open streams", s -> String.valueOf(s.path("max_open_streams").asInt()));
        row(md, scenarios, "hop CPU µs/token (gateway or nginx)", s -> num(hop(s).path("cpu_us_per_token")));
        row(md, scenarios, "… of it JIT compiler threads µs/token", s -> num(s.path("gateway").path("jit_cpu_us_per_token")));
        row(md, scenarios, "… of it event loops µs/token", s -> num(s.path("gateway").path("event_loop_cpu_us_per_token")));
        row(md, scenarios, "gateway CPU without JIT µs/token", s -> num(s.path("gateway").path("cpu_us_per_token_without_jit")));
        row(md, scenarios, "gateway CPU s / million tokens", s -> num(s.path("gateway").path("cpu_seconds_per_million_tokens")));
        row(md, scenarios, "hop cores busy", s -> num(hop(s).path("cpu_cores_busy")));
        row(md, scenarios, "hop VmHWM MiB (nginx: master + worker)", s -> num(hop(s).path("vm_hwm_mib")));
        md.append('\n').append(versusNginx(report)).append('\n').append(targets(report)).append('\n');
        md.append(PromptSizes.markdown(report));
        JsonNode profiles = report.path("profiles");
        profiles.fields().forEachRemaining(p -> {
            md.append("## Profile: ").append(p.getKey()).append(" (").append(p.getValue().path("samples").asLong())
                    .append(" CPU samples)\n\n");
            for (String part : new String[] {"threads", "top_frames", "gateway_methods_total"}) {
                md.append("**").append(part.replace('_', ' ')).append("**\n\n");
                p.getValue().path(part).forEach(e -> md.append(String.format(Locale.ROOT, "- %5.1f%% `%s`%n",
                        e.path("share").asDouble() * 100, e.path("name").asText())));
                md.append('\n');
            }
        });
        return md.toString();
    }

    /** Below this nginx figure (ms, µs or MiB) no ratio is given: nginx adds nothing measurable there. */
    static final double RATIO_FLOOR = 0.1;

    /** The gateway's (or any other hop's) CPU and memory figures, or nginx's. */
    static JsonNode hop(JsonNode scenario) {
        return scenario.has("gateway") ? scenario.path("gateway") : scenario.path("nginx");
    }

    /**
     * Every hop's figures beside nginx's, as "figure (ratio to nginx)": added TTFT p50/p99 and added
     * inter-token p99 against the direct path, CPU per relayed token, peak RSS. Empty without both
     * the direct path and nginx.
     */
    static String versusNginx(JsonNode report) {
        JsonNode direct = null;
        JsonNode nginx = null;
        java.util.List<JsonNode> others = new java.util.ArrayList<>();
        for (JsonNode s : report.path("scenarios")) {
            switch (s.path("name").asText()) {
                case "direct-path" -> direct = s;
                case "nginx" -> nginx = s;
                default -> others.add(s);
            }
        }
        if (direct == null || nginx == null) {
            return report.has("nginx") ? "nginx: " + report.path("nginx").asText() + "\n" : "";
        }
        StringBuilder md = new StringBuilder("| against nginx: figure (× nginx's) | nginx |");
        others.forEach(s -> md.append(' ').append(s.path("name").asText()).append(" |"));
        md.append("\n|---|---:|");
        others.forEach(s -> md.append("---:|"));
        md.append('\n');
        final JsonNode d = direct;
        final JsonNode n = nginx;
        // long-streams: other prompts, no stamps and a slowed engine; its latencies are not comparable
        java.util.function.BiFunction<JsonNode, String[], Double> added = (s, m) -> s.path(m[0]).path(m[1]).isMissingNode()
                || s.path("name").asText().equals("long-streams") ? Double.NaN : s.path(m[0]).path(m[1]).asDouble() - d.path(m[0]).path(m[1]).asDouble();
        java.util.Map<String, java.util.function.Function<JsonNode, Double>> rows = new java.util.LinkedHashMap<>();
        rows.put("added TTFT p50 ms", s -> added.apply(s, new String[] {"time_to_first_token_ms", "p50"}));
        rows.put("added TTFT p99 ms", s -> added.apply(s, new String[] {"time_to_first_token_ms", "p99"}));
        rows.put("added inter-token p99 ms (engine→client per response)", s -> added.apply(s, new String[] {"stamp_latency_ms", "p99"}));
        rows.put("CPU µs per relayed token", s -> hop(s).path("cpu_us_per_token").asDouble(Double.NaN));
        rows.put("peak RSS MiB (VmHWM)", s -> hop(s).path("vm_hwm_mib").asDouble(Double.NaN));
        rows.forEach((name, f) -> {
            double base = f.apply(n);
            md.append("| ").append(name).append(" | ").append(fmt(base)).append(" |");
            others.forEach(s -> {
                double v = f.apply(s);
                md.append(' ').append(fmt(v));
                if (!Double.isNaN(v) && base > RATIO_FLOOR) {
                    md.append(String.format(Locale.ROOT, " (%.1f×)", v / base));
                }
                md.append(" |");
            });
            md.append('\n');
        });
        md.append("\nA ratio only where nginx's figure is above ").append(RATIO_FLOOR)
                .append(" (an added latency at or below zero is within the noise of the direct path).\n");
        return md.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String targets(JsonNode report) {
        StringBuilder md = new StringBuilder("| target | goal | figure | nginx | × nginx | met | detail |\n|---|---|---:|---:|---:|---|---|\n");
        report.path("targets").forEach(t -> md.append("| ").append(t.path("target").asText()).append(" | ")
                .append(t.path("goal").asText()).append(" | ").append(num(t.path("figure"))).append(' ')
                .append(t.path("unit").asText()).append(" | ").append(num(t.path("nginx")))
                .append(" | ").append(num(t.path("ratio_to_nginx")))
                .append(" | ").append(t.path("met").asBoolean() ? "yes" : "**no**")
                .append(" | ").append(t.path("detail").asText()).append(" |\n"));
        return md.toString();
    }

    private static String label(String metric) {
        return switch (metric) {
            case "time_to_first_token_ms" -> "TTFT ms";
            case "inter_token_latency_ms" -> "ITL ms";
            case "end_to_end_latency_ms" -> "e2e ms";
            case "stamp_latency_ms" -> "engine→client per response ms";
            default -> "engine→client first token ms";
        };
    }

    private static void row(StringBuilder md, JsonNode scenarios, String name, java.util.function.Function<JsonNode, String> f) {
        md.append("| ").append(name).append(" |");
        scenarios.forEach(s -> md.append(' ').append(f.apply(s)).append(" |"));
        md.append('\n');
    }

    private static String num(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? "–" : String.format(Locale.ROOT, "%.2f", n.asDouble());
    }
}
