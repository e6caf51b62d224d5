package org.maverick.gateway.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The files under {@code observability/} (read from the module directory, where tests run), parsed,
 * and the PromQL they contain, with the check that every series they read is exported.
 */
final class ObservabilityFiles {

    static final Path ROOT = Path.of("..", "observability");
    static final Path COLLECTOR = ROOT.resolve("otel-collector/config.yaml");
    static final Path PROMETHEUS = ROOT.resolve("prometheus/prometheus.yml");
    static final Path ALERTS = ROOT.resolve("prometheus/alerts.yml");
    static final Path DASHBOARD = ROOT.resolve("grafana/maverick-gateway.json");
    static final Path DATASOURCES = ROOT.resolve("grafana/provisioning/datasources/datasources.yaml");
    static final Path DASHBOARD_PROVIDERS = ROOT.resolve("grafana/provisioning/dashboards/maverick.yaml");

    /**
     * Triton's own metrics the dashboards and rules may read (Triton serves them on :8002; see Triton's
     * docs/user_guide/metrics.md). They are not the gateway's, so they are checked against this list.
     * {@code nv_inference_first_response_histogram_ms} needs {@code --metrics-config histogram_latencies=true}.
     */
    static final Set<String> TRITON_METRICS = Set.of(
            "nv_inference_request_success", "nv_inference_request_failure", "nv_inference_count",
            "nv_inference_exec_count", "nv_inference_pending_request_count", "nv_inference_request_duration_us",
            "nv_inference_queue_duration_us", "nv_inference_compute_infer_duration_us",
            "nv_inference_first_response_histogram_ms", "nv_gpu_utilization", "nv_gpu_memory_used_bytes",
            "nv_gpu_memory_total_bytes", "nv_gpu_power_usage", "nv_cpu_utilization");

    /** Series Prometheus writes itself for every target (never in a scrape). */
    static final Set<String> PROMETHEUS_SYNTHETIC = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One PromQL expression, where it was found, and the series it reads. */
    record Query(String where, String expr, Set<String> metrics) {
    }

    private ObservabilityFiles() {
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file.toAbsolutePath().normalize() + " does not parse", e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file.toAbsolutePath().normalize() + " does not parse", e);
        }
    }

    /** Every panel of the dashboard, rows' nested panels (collapsed rows) included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Every rule of every group of a Prometheus rule file. */
    static List<JsonNode> rules(JsonNode ruleFile) {
        List<JsonNode> out = new ArrayList<>();
        ruleFile.path("groups").forEach(g -> g.path("rules").forEach(out::add));
        return out;
    }

    /** The PromQL of the dashboard (panel targets, variable queries) and of the alert rules. */
    static List<Query> queries() {
        List<Query> out = new ArrayList<>();
        JsonNode dashboard = json(DASHBOARD);
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asText();
                out.add(new Query("panel '" + p.path("title").asText() + "' " + t.path("refId").asText(), expr,
                        PromQl.metricNames(expr)));
            }
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                String expr = q.isObject() ? q.path("query").asText() : q.asText();
                out.add(new Query("variable $" + v.path("name").asText(), expr, PromQl.variableQueryMetricNames(expr)));
            }
        }
        for (JsonNode r : rules(yaml(ALERTS))) {
            String expr = r.path("expr").asText();
            out.add(new Query("alert " + r.path("alert").asText(r.path("record").asText()), expr,
                    PromQl.metricNames(expr)));
        }
        return out;
    }

    /** The sample names in a Prometheus scrape ({@code name{labels} value [# exemplar]}). */
    static Set<String> sampleNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    /**
     * The series the queries read that are neither in the scrape nor accounted for otherwise, each with
     * where it is used. A gateway series must appear in the scrape under the very name the query uses
     * ({@code _bucket}, {@code _count}, {@code _sum}, {@code _max}, {@code _total} included), which is
     * stricter than matching the meter's base name: a query on a histogram's bare name reads nothing.
     * Triton's {@code nv_*} series are checked, by name or base name, against {@link #TRITON_METRICS}; series
     * whose base name is in {@code elsewhere} are skipped (checked by another test).
     */
    static Map<String, List<String>> missing(List<Query> queries, Set<String> exported, Set<String> elsewhere) {
        Map<String, List<String>> missing = new TreeMap<>();
        for (Query q : queries) {
            for (String name : q.metrics()) {
                boolean known;
                if (name.startsWith("nv_")) {
                    known = TRITON_METRICS.contains(name) || TRITON_METRICS.contains(PromQl.baseName(name));
                } else {
                    known = exported.contains(name) || PROMETHEUS_SYNTHETIC.contains(name)
                            || elsewhere.contains(PromQl.baseName(name));
                }
                if (!known) {
                    missing.computeIfAbsent(name, k -> new ArrayList<>()).add(q.where());
                }
            }
        }
        return missing;
    }
}
