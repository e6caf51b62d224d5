package org.maverick.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The chart rendered offline by Helm itself (helm-java bundles Helm's Go library), parsed into plain
 * maps, with lookups by kind and name. Rendering is what {@code helm template} does: no cluster, so
 * {@code lookup} finds nothing and CRDs need not be installed.
 */
record Rendered(String yaml, List<Map<String, Object>> documents) {

    /** The repository root, from this module's directory (where Surefire runs). */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("deploy/helm/maverick");
    static final String RELEASE = "maverick";

    /** The minimum an install needs besides the defaults: the Hugging Face token and the resume key. */
    static final Map<String, Object> REQUIRED = Map.of("triton.huggingFace.existingSecret", "hf-token",
            "gateway.resumeSecret.existingSecret", "maverick-resume");

    static Rendered chart() {
        return chart(Map.of());
    }

    static Rendered chart(Map<String, Object> sets) {
        return new Rendered(template(sets), null).parsed();
    }

    /** Renders with the required values plus {@code sets}; throws Helm's error when rendering fails. */
    static String template(Map<String, Object> sets) {
        Map<String, Object> all = new LinkedHashMap<>(REQUIRED);
        all.putAll(sets);
        TemplateCommand t = new Helm(CHART).template().withName(RELEASE).withNamespace("maverick");
        all.forEach(t::set);
        return t.call();
    }

    @SuppressWarnings("unchecked")
    private Rendered parsed() {
        LoaderOptions options = new LoaderOptions();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(options).loadAll(yaml)) {
            if (doc == null) {
                continue;
            }
            if (!(doc instanceof Map<?, ?>)) {
                throw new AssertionError("a rendered document is not a mapping: " + doc);
            }
            docs.add((Map<String, Object>) doc);
        }
        return new Rendered(yaml, List.copyOf(docs));
    }

    List<Map<String, Object>> ofKind(String kind) {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    Optional<Map<String, Object>> find(String kind, String name) {
        return ofKind(kind).stream().filter(d -> name.equals(Y.str(d, "metadata.name"))).findFirst();
    }

    Map<String, Object> get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in "
                + documents.stream().map(d -> d.get("kind") + "/" + Y.str(d, "metadata.name")).toList()));
    }
}
