package org.maverick.deploy;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The single-host compose file: parses, uses the real images, and its services reference each other's ports. */
class ComposeTest {

    static final Path DIR = Rendered.ROOT.resolve("deploy/compose");

    @SuppressWarnings("unchecked")
    static Map<String, Object> compose() throws IOException {
        return new Yaml().load(Files.readString(DIR.resolve("compose.yaml")));
    }

    static Map<String, Object> service(String name) throws IOException {
        return Y.map(compose(), "services." + name);
    }

    static String env(Map<String, Object> service, String name) {
        Object v = Y.map(service, "environment").get(name);
        assertNotNull(v, "no " + name);
        return v.toString();
    }

    @Test
    void servicesUseTheRealImages() throws IOException {
        assertTrue(Y.str(service("triton"), "image").matches("nvcr\\.io/nvidia/tritonserver:\\d\\d\\.\\d\\d-trtllm-python-py3"));
        assertTrue(Y.str(service("kafka"), "image").startsWith("apache/kafka:"));
        assertTrue(Y.str(service("otel-collector"), "image").startsWith("otel/opentelemetry-collector"));
        assertEquals("deploy/docker/gateway.Dockerfile", Y.str(service("gateway"), "build.dockerfile"));
        assertTrue(Files.isRegularFile(Rendered.ROOT.resolve("deploy/docker/gateway.Dockerfile")));
    }

    @Test
    void gatewayReachesTritonsGrpcPortAndKafkasListener() throws IOException {
        Map<String, Object> triton = service("triton");
        String script = String.join("\n", Y.strings(triton, "command"));
        String[] endpoint = env(service("gateway"), "GATEWAY_TRITON_ENDPOINT").split(":");
        assertEquals("triton", endpoint[0]);
        assertTrue(script.contains("--grpc-port=" + endpoint[1]), "tritonserver listens on " + endpoint[1]);
        assertTrue(((List<?>) triton.get("expose")).contains(endpoint[1]));
        assertTrue(script.contains("--http-port=8000") && script.contains("--metrics-port=8002"));
        assertTrue(Y.str(triton, "healthcheck.test").contains("localhost:8000/v2/health/ready"));

        Map<String, Object> kafka = service("kafka");
        String bootstrap = env(service("gateway"), "KAFKA_BOOTSTRAP_SERVERS");
        assertEquals("PLAINTEXT://" + bootstrap, env(kafka, "KAFKA_ADVERTISED_LISTENERS"));
        assertTrue(env(kafka, "KAFKA_PROCESS_ROLES").contains("controller"), "KRaft: the broker is its own controller");
        assertTrue(((List<?>) kafka.get("expose")).contains(bootstrap.split(":")[1]));

        String otlp = env(service("gateway"), "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT");
        assertTrue(otlp.startsWith("http://otel-collector:4317"));
        assertTrue(script.contains("http://otel-collector:4318/v1/traces"));
        assertTrue(((List<?>) service("otel-collector").get("expose")).containsAll(List.of("4317", "4318")));
        assertTrue(((List<?>) service("gateway").get("ports")).contains("8080:8080"));
    }

    @Test
    void everyGatewayEnvironmentVariableNamesARealSetting() throws IOException {
        for (String name : Y.map(service("gateway"), "environment").keySet()) {
            String property = Settings.propertyOf(name);
            assertNotNull(property, name + " maps to no setting");
            if (name.startsWith("GATEWAY_")) {
                assertTrue(Settings.gateway().contains(property), name);
            }
        }
    }

    @Test
    void tritonMountsTheRepositoryItsScriptReads() throws IOException {
        Map<String, Object> triton = service("triton");
        assertTrue(((List<?>) triton.get("volumes")).contains("../../triton-model-repo:/repo:ro"));
        String script = Y.strings(triton, "command").get(2);
        assertTrue(script.contains("/repo/models/tensorrt_llm/config.pbtxt"));
        assertTrue(Files.isRegularFile(Rendered.ROOT.resolve("triton-model-repo/models/tensorrt_llm/config.pbtxt")));
        assertTrue(script.contains("/repo/profiles/$${MODEL_PROFILE}/model.yaml"));
        assertNotNull(triton.get("shm_size"));
        assertEquals("all", Y.str(Y.list(triton, "deploy.resources.reservations.devices").get(0), "count"));
        assertTrue(Files.isRegularFile(DIR.resolve("otel-collector.yaml")));
        new Yaml().load(Files.readString(DIR.resolve("otel-collector.yaml")));
    }
}
