package org.maverick.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helm reads files only from inside the chart, so the chart carries copies of files whose one
 * source is elsewhere in the repository. Each copy must equal its original byte for byte; the
 * failure message is the command that brings it back in line.
 */
class ChartFilesTest {

    static final Path FILES = Rendered.CHART.resolve("files");

    /** chart copy -> original, relative to the repository root. */
    static final Map<String, String> COPIES = Map.of(
            "deploy/helm/maverick/files/topics.yaml", "kafka/topics.yaml",
            "deploy/helm/maverick/files/model-repo/tensorrt_llm/config.pbtxt", "triton-model-repo/models/tensorrt_llm/config.pbtxt",
            "deploy/helm/maverick/files/model-repo/tensorrt_llm/model.yaml", "triton-model-repo/models/tensorrt_llm/1/model.yaml",
            "deploy/helm/maverick/files/model-repo/tensorrt_llm/model.py", "triton-model-repo/models/tensorrt_llm/1/model.py",
            "deploy/helm/maverick/files/model-repo/profiles/h100/model.yaml", "triton-model-repo/profiles/h100/model.yaml",
            "deploy/helm/maverick/files/model-repo/profiles/h200/model.yaml", "triton-model-repo/profiles/h200/model.yaml",
            "deploy/helm/maverick/files/model-repo/profiles/b200/model.yaml", "triton-model-repo/profiles/b200/model.yaml",
            "deploy/helm/maverick/files/alerts.yml", "observability/prometheus/alerts.yml");

    static void assertSame(String copy, String original) throws IOException {
        Path c = Rendered.ROOT.resolve(copy);
        Path o = Rendered.ROOT.resolve(original);
        assertTrue(Files.isRegularFile(o), "original " + original + " is missing");
        if (!Files.isRegularFile(c) || Files.mismatch(c, o) != -1) {
            fail(copy + " differs from " + original + "; run: cp " + original + " " + copy);
        }
    }

    @Test
    void chartCopiesEqualTheirOriginals() throws IOException {
        for (Map.Entry<String, String> e : COPIES.entrySet()) {
            assertSame(e.getKey(), e.getValue());
        }
    }

    @Test
    void everyModelYamlProfileOfTheRepositoryIsInTheChart() throws IOException {
        Set<String> repo = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(Rendered.ROOT.resolve("triton-model-repo/profiles"))) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("model.yaml"))).forEach(d -> repo.add(d.getFileName().toString()));
        }
        Set<String> chart = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(FILES.resolve("model-repo/profiles"))) {
            dirs.forEach(d -> chart.add(d.getFileName().toString()));
        }
        assertEquals(repo, chart);
    }

    /**
     * Dashboards: observability/grafana/*.json is the original, deploy/helm/maverick/dashboards/ the
     * copy the chart's ConfigMap reads. Each side must have exactly the other's files, identical.
     * (Until the dashboard is written both are empty and the chart renders no dashboard ConfigMap.)
     */
    @Test
    void dashboardCopiesEqualObservabilityGrafana() throws IOException {
        Path originals = Rendered.ROOT.resolve("observability/grafana");
        Path copies = Rendered.CHART.resolve("dashboards");
        Set<String> o = jsonFiles(originals);
        Set<String> c = jsonFiles(copies);
        assertEquals(o, c, "dashboards in observability/grafana vs the chart's dashboards/; run: mkdir -p "
                + "deploy/helm/maverick/dashboards && cp observability/grafana/*.json deploy/helm/maverick/dashboards/");
        for (String name : o) {
            assertSame("deploy/helm/maverick/dashboards/" + name, "observability/grafana/" + name);
        }
        List<Map<String, Object>> maps = ChartRenderTest.CHART.ofKind("ConfigMap").stream()
                .filter(m -> Y.str(m, "metadata.name").endsWith("-dashboards")).toList();
        assertEquals(o.isEmpty() ? 0 : 1, maps.size(), "dashboard ConfigMaps");
        if (!o.isEmpty()) {
            assertEquals(o, Y.map(maps.get(0), "data").keySet());
        }
    }

    private static Set<String> jsonFiles(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.getFileName().toString().endsWith(".json"))
                        .forEach(f -> names.add(f.getFileName().toString()));
            }
        }
        return names;
    }
}
