package org.maverick.gateway.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files under {@code observability/} hold together: the collector's pipelines use only components
 * it defines, every alert and panel is complete, and every series the dashboard and the alerts read is
 * one the running gateway exports (direct mode here; the queue's series in
 * {@link QueuedObservabilityFilesTest}).
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ObservabilityFilesTest {

    /** Series only a gateway with the queue enabled exports; {@link QueuedObservabilityFilesTest} checks them. */
    static final Set<String> QUEUE_ONLY = Set.of("maverick_gateway_kafka_ready", "maverick_gateway_queue_wait_seconds",
            "maverick_gateway_worker_lag", "maverick_gateway_worker_in_flight");

    @TestHTTPResource
    URL base;

    static String scrape(URL base) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "")
                + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    // ---- the OpenTelemetry collector ---------------------------------------------------------------

    @Test
    void collectorPipelinesUseOnlyDefinedComponents() {
        JsonNode c = ObservabilityFiles.yaml(ObservabilityFiles.COLLECTOR);
        for (String section : List.of("receivers", "processors", "exporters", "extensions", "service")) {
            assertTrue(c.path(section).isObject(), "collector config has " + section);
        }
        for (JsonNode e : c.path("service").path("extensions")) {
            assertTrue(c.path("extensions").has(e.asText()), "extension " + e.asText() + " is defined");
        }
        JsonNode pipelines = c.path("service").path("pipelines");
        assertTrue(pipelines.has("traces") && pipelines.has("metrics"), "traces and metrics pipelines");
        Set<String> connectorsIn = new HashSet<>();
        Set<String> connectorsOut = new HashSet<>();
        pipelines.fields().forEachRemaining(p -> {
            String name = p.getKey();
            JsonNode pipeline = p.getValue();
            assertTrue(name.matches("(traces|metrics|logs)(/.+)?"), "pipeline type of " + name);
            assertFalse(pipeline.path("receivers").isEmpty(), name + " has receivers");
            assertFalse(pipeline.path("exporters").isEmpty(), name + " has exporters");
            for (JsonNode r : pipeline.path("receivers")) {
                boolean connector = c.path("connectors").has(r.asText());
                assertTrue(c.path("receivers").has(r.asText()) || connector, name + ": receiver " + r.asText() + " is defined");
                if (connector) {
                    connectorsIn.add(r.asText());
                }
            }
            for (JsonNode x : pipeline.path("processors")) {
                assertTrue(c.path("processors").has(x.asText()), name + ": processor " + x.asText() + " is defined");
            }
            for (JsonNode e : pipeline.path("exporters")) {
                boolean connector = c.path("connectors").has(e.asText());
                assertTrue(c.path("exporters").has(e.asText()) || connector, name + ": exporter " + e.asText() + " is defined");
                if (connector) {
                    connectorsOut.add(e.asText());
                }
            }
            if (!pipeline.path("processors").isEmpty()) {
                assertEquals("memory_limiter", pipeline.path("processors").get(0).asText(),
                        name + ": memory_limiter comes first");
            }
        });
        assertEquals(connectorsOut, connectorsIn, "every connector both ends one pipeline and feeds another");
        assertTrue(c.path("extensions").has("health_check"), "health_check extension");
        assertTrue(pipelines.path("traces").path("processors").toString().contains("batch"), "traces are batched");
        assertTrue(pipelines.path("traces").path("processors").toString().contains("tail_sampling"), "tail sampling");
    }

    @Test
    void collectorTakesOtlpAndNamesTheTraceBackendByEnvironment() {
        JsonNode c = ObservabilityFiles.yaml(ObservabilityFiles.COLLECTOR);
        JsonNode otlp = c.path("receivers").path("otlp").path("protocols");
        assertTrue(otlp.path("grpc").path("endpoint").asText().endsWith(":4317"), "OTLP gRPC on 4317");
        assertTrue(otlp.path("http").path("endpoint").asText().endsWith(":4318"), "OTLP HTTP on 4318");
        for (JsonNode e : c.path("service").path("pipelines").path("traces").path("exporters")) {
            if (e.asText().startsWith("otlp")) {
                assertTrue(c.path("exporters").path(e.asText()).path("endpoint").asText().startsWith("${env:"),
                        e.asText() + "'s endpoint comes from the environment");
            }
        }
        JsonNode policies = c.path("processors").path("tail_sampling").path("policies");
        assertTrue(policies.toString().contains("status_code") && policies.toString().contains("latency"),
                "tail sampling keeps error and slow traces");
    }

    // ---- Prometheus --------------------------------------------------------------------------------

    @Test
    void prometheusScrapesGatewayAndTritonAndNamesInstancesByHost() {
        JsonNode p = ObservabilityFiles.yaml(ObservabilityFiles.PROMETHEUS);
        JsonNode gateway = null;
        JsonNode triton = null;
        for (JsonNode job : p.path("scrape_configs")) {
            if (job.path("metrics_path").asText().equals("/q/metrics")) {
                gateway = job;
            }
            if (job.path("static_configs").toString().contains(":8002")) {
                triton = job;
            }
        }
        assertTrue(gateway != null, "a job scrapes the gateway's /q/metrics");
        assertTrue(triton != null, "a job scrapes Triton's :8002");
        assertEquals("gw-7d9c", relabelInstance(gateway, "gw-7d9c:8080"));
        assertEquals("localhost:8081", relabelInstance(gateway, "localhost:8081"), "other ports stay distinct");
        assertEquals("triton-0", relabelInstance(triton, "triton-0:8002"));
        boolean rulesLoaded = false;
        for (JsonNode f : p.path("rule_files")) {
            rulesLoaded |= Files.exists(ObservabilityFiles.PROMETHEUS.resolveSibling(f.asText()));
        }
        assertTrue(rulesLoaded, "prometheus.yml loads alerts.yml");
    }

    /** Applies a job's relabel rules for {@code instance} to an address, as Prometheus does (anchored regex). */
    private static String relabelInstance(JsonNode job, String address) {
        String instance = address; // Prometheus' default
        for (JsonNode r : job.path("relabel_configs")) {
            if (r.path("target_label").asText().equals("instance")
                    && r.path("source_labels").toString().contains("__address__")) {
                Matcher m = Pattern.compile("^(?:" + r.path("regex").asText("(.*)") + ")$").matcher(address);
                if (m.matches()) {
                    instance = m.replaceFirst(r.path("replacement").asText("$1"));
                }
            }
        }
        return instance;
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndRunbook() throws Exception {
        List<JsonNode> rules = ObservabilityFiles.rules(ObservabilityFiles.yaml(ObservabilityFiles.ALERTS));
        assertTrue(rules.size() >= 6, "the alerts asked for");
        String readme = Files.readString(ObservabilityFiles.ROOT.resolve("README.md"));
        Set<String> names = new HashSet<>();
        for (JsonNode r : rules) {
            String name = r.path("alert").asText();
            assertFalse(name.isBlank(), "every rule is an alert with a name: " + r);
            assertTrue(names.add(name), "alert names are unique: " + name);
            assertFalse(r.path("expr").asText().isBlank(), name + " has an expr");
            assertTrue(Set.of("critical", "warning", "info").contains(r.path("labels").path("severity").asText()),
                    name + " has a severity");
            for (String a : List.of("summary", "description", "runbook")) {
                assertFalse(r.path("annotations").path(a).asText().isBlank(), name + " has annotations." + a);
            }
            assertTrue(readme.contains("### " + name + "\n"), name + " is explained in observability/README.md");
        }
        String all = rules.toString();
        for (String needed : List.of("histogram_quantile(0.95", "gen_ai_server_time_to_first_token_seconds_bucket",
                "maverick_outcome=\\\"error\\\"", "max(maverick_gateway_triton_ready) == 0",
                "deriv(maverick_gateway_worker_lag", "maverick_gateway_kafka_ready", "maverick_gateway_worker_in_flight")) {
            assertTrue(all.contains(needed), "an alert uses " + needed);
        }
    }

    // ---- Grafana -----------------------------------------------------------------------------------

    @Test
    void dashboardPanelsAreCompleteAndUseTheDatasourceVariable() {
        JsonNode d = ObservabilityFiles.json(ObservabilityFiles.DASHBOARD);
        assertTrue(d.path("schemaVersion").asInt() >= 38, "schemaVersion >= 38");
        Set<String> variables = new HashSet<>();
        for (JsonNode v : d.path("templating").path("list")) {
            variables.add(v.path("name").asText());
            if (v.path("name").asText().equals("datasource")) {
                assertEquals("datasource", v.path("type").asText());
                assertEquals("prometheus", v.path("query").asText());
            }
        }
        assertTrue(variables.containsAll(List.of("datasource", "model", "mode")), "variables: " + variables);
        List<String> rows = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode p : ObservabilityFiles.panels(d)) {
            String title = p.path("title").asText();
            assertTrue(ids.add(p.path("id").asInt()), "panel ids are unique: " + title);
            assertFalse(title.isBlank(), "every panel has a title: " + p.path("id"));
            JsonNode g = p.path("gridPos");
            int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
            assertTrue(box[2] > 0 && box[3] > 0 && box[0] + box[2] <= 24, title + " has a grid position inside 24 columns");
            for (int[] o : boxes) {
                boolean overlap = box[0] < o[0] + o[2] && o[0] < box[0] + box[2] && box[1] < o[1] + o[3] && o[1] < box[1] + box[3];
                assertFalse(overlap, title + " overlaps another panel");
            }
            boxes.add(box);
            if (p.path("type").asText().equals("row")) {
                rows.add(title);
                continue;
            }
            assertEquals("${datasource}", p.path("datasource").path("uid").asText(), title + " uses ${datasource}");
            assertFalse(p.path("targets").isEmpty(), title + " has a target");
            for (JsonNode t : p.path("targets")) {
                assertFalse(t.path("expr").asText().isBlank(), title + " target " + t.path("refId") + " has an expr");
                assertEquals("${datasource}", t.path("datasource").path("uid").asText(), title + " target uses ${datasource}");
            }
        }
        for (String row : List.of("Traffic", "Latency", "Queue", "Backend", "JVM", "Triton")) {
            assertTrue(rows.stream().anyMatch(r -> r.startsWith(row)), "a row " + row + " in " + rows);
        }
    }

    @Test
    void grafanaProvisioningNamesPrometheusAndTheDashboardFolder() {
        JsonNode ds = ObservabilityFiles.yaml(ObservabilityFiles.DATASOURCES);
        assertEquals(1, ds.path("apiVersion").asInt());
        assertTrue(ds.path("datasources").toString().contains("\"type\":\"prometheus\""), "a Prometheus datasource");
        JsonNode providers = ObservabilityFiles.yaml(ObservabilityFiles.DASHBOARD_PROVIDERS);
        assertEquals(1, providers.path("apiVersion").asInt());
        JsonNode provider = providers.path("providers").get(0);
        assertEquals("file", provider.path("type").asText());
        assertFalse(provider.path("options").path("path").asText().isBlank(), "the provider names its folder");
    }

    // ---- the PromQL tokenizer ----------------------------------------------------------------------

    @Test
    void extractorFindsSeriesAndSkipsFunctionsLabelsVariablesAndKeywords() {
        assertEquals(Set.of("gen_ai_server_time_to_first_token_seconds_bucket"), PromQl.metricNames(
                "histogram_quantile(0.95, sum by (le, gen_ai_request_model) (rate("
                        + "gen_ai_server_time_to_first_token_seconds_bucket{maverick_mode=~\"$mode\", x=\"a}b\"}[$__rate_interval])))"));
        assertEquals(Set.of("maverick_gateway_requests_total"), PromQl.metricNames(
                "sum(rate(maverick_gateway_requests_total{maverick_outcome=\"error\"}[5m])) / sum(rate(maverick_gateway_requests_total[5m])) > 0.05"));
        assertEquals(Set.of("a", "b_total", "up"), PromQl.metricNames(
                "a / ignoring(error_type) group_left b_total offset 1h30m and on (instance) up{job=\"x\"} == bool 0"));
        assertEquals(Set.of("jvm_memory_used_bytes"), PromQl.metricNames(
                "sum(jvm_memory_used_bytes{area='heap', instance=~\"${instance}\"}) by (instance) * 1e3"));
        assertEquals(Set.of("maverick_gateway_requests_total"), PromQl.variableQueryMetricNames(
                "label_values(maverick_gateway_requests_total{maverick_mode!=\"\"}, maverick_mode)"));
        assertEquals(Set.of(), PromQl.variableQueryMetricNames("label_values(instance)"));
        assertEquals(Set.of("x_count", "y"), PromQl.metricNames("max without (a) (x_count) / min by(b)(y) + count(y)"));
    }

    @Test
    void extractorReportsAMadeUpNameMissing() throws Exception {
        Set<String> exported = ObservabilityFiles.sampleNames(scrape(base));
        List<ObservabilityFiles.Query> queries = List.of(
                new ObservabilityFiles.Query("made up", "rate(maverick_gateway_made_up_total[5m])",
                        PromQl.metricNames("rate(maverick_gateway_made_up_total[5m])")),
                // a histogram's bare name is no series: queries must say _bucket, _count or _sum
                new ObservabilityFiles.Query("bare histogram", "gen_ai_server_request_duration_seconds",
                        PromQl.metricNames("gen_ai_server_request_duration_seconds")),
                new ObservabilityFiles.Query("made-up Triton", "nv_made_up", PromQl.metricNames("nv_made_up")),
                new ObservabilityFiles.Query("real", "maverick_gateway_triton_ready",
                        PromQl.metricNames("maverick_gateway_triton_ready")));
        assertEquals(Set.of("maverick_gateway_made_up_total", "gen_ai_server_request_duration_seconds", "nv_made_up"),
                ObservabilityFiles.missing(queries, exported, Set.of()).keySet());
    }

    // ---- every series used is exported ---------------------------------------------------------------

    @Test
    void everySeriesTheDashboardAndAlertsReadIsExported() throws Exception {
        String url = base.toString().replaceAll("/$", "");
        for (int i = 0; i < 2; i++) {
            Sse.stream(url, "/v1/chat/completions", Sse.chat("Observe me [standin:length=6]", "\"stream\":true"));
        }
        Sse.post(url, "/v1/completions", "{\"model\":\"llama-4-maverick\",\"prompt\":\"Once [standin:length=4]\"}");
        Sse.post(url, "/v1/chat/completions", "{\"model\":\"llama-4-maverick\",\"n\":5,\"messages\":[]}");
        Sse.post(url, "/v1/chat/completions", Sse.chat("fail [standin:error_at=2] [standin:length=6]", "\"stream\":true"));
        List<ObservabilityFiles.Query> queries = ObservabilityFiles.queries();
        assertTrue(queries.size() > 30, "the dashboard and alerts have queries: " + queries.size());

        Map<String, List<String>> missing = ObservabilityFiles.missing(queries,
                ObservabilityFiles.sampleNames(scrape(base)), QUEUE_ONLY);

        assertTrue(missing.isEmpty(), "series used but not exported (name -> where): " + missing);
    }
}
