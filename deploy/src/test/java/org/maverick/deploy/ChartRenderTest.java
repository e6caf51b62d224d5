package org.maverick.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.maverick.gateway.config.QueuedSizes;
import org.maverick.kafka.Topics;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chart as Helm renders it: well-formed objects, required fields, and references that hold. */
class ChartRenderTest {

    static final Rendered CHART = Rendered.chart();
    static final String GATEWAY = "maverick-gateway";
    static final String TRITON = "maverick-triton";
    static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return Y.map(workload, "spec.template.spec");
    }

    static Map<String, Object> container(Map<String, Object> workload, String name) {
        return Y.list(workload, "spec.template.spec.containers").stream()
                .filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    static Map<String, Object> env(Map<String, Object> container, String name) {
        return Y.list(container, "env").stream().filter(e -> name.equals(e.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name + " in " + container.get("name")));
    }

    @Test
    void everyRenderedDocumentIsAKubernetesObject() {
        assertTrue(CHART.documents().size() > 20, "documents: " + CHART.documents().size());
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> d : CHART.documents()) {
            String id = d.get("kind") + "/" + Y.str(d, "metadata.name");
            assertNotNull(d.get("apiVersion"), id + " has no apiVersion");
            assertNotNull(d.get("kind"), id + " has no kind");
            String name = Y.str(d, "metadata.name");
            assertNotNull(name, "a " + d.get("kind") + " has no metadata.name");
            assertTrue(DNS_SUBDOMAIN.matcher(name).matches() && name.length() <= 63, id + ": not a valid name");
            assertTrue(seen.add(id), id + " is rendered twice");
            if (!d.get("kind").toString().startsWith("Kafka") || Y.at(d, "metadata.labels") != null) {
                assertEquals("maverick", Y.map(d, "metadata.labels").get("app.kubernetes.io/instance"), id);
            }
        }
        for (String kind : List.of("StatefulSet", "Service", "PodDisruptionBudget", "Ingress", "ScaledObject",
                "TriggerAuthentication", "Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Deployment",
                "ConfigMap", "ServiceMonitor", "PrometheusRule")) {
            assertFalse(CHART.ofKind(kind).isEmpty(), "no " + kind + " rendered");
        }
    }

    @Test
    void gatewayHasResourcesProbesSecurityContextAndGracefulTermination() {
        Map<String, Object> sts = CHART.get("StatefulSet", GATEWAY);
        Map<String, Object> c = container(sts, "gateway");
        assertNotNull(Y.at(c, "resources.requests.cpu"));
        assertNotNull(Y.at(c, "resources.requests.memory"));
        assertNotNull(Y.at(c, "resources.limits.memory"));
        assertEquals("/q/health/live", Y.str(c, "livenessProbe.httpGet.path"));
        assertEquals("/q/health/ready", Y.str(c, "readinessProbe.httpGet.path"));
        assertNotNull(Y.at(c, "startupProbe.httpGet.path"));
        assertEquals(Boolean.TRUE, Y.at(podSpec(sts), "securityContext.runAsNonRoot"));
        assertEquals(Boolean.FALSE, Y.at(c, "securityContext.allowPrivilegeEscalation"));
        assertEquals(Boolean.TRUE, Y.at(c, "securityContext.readOnlyRootFilesystem"));
        assertEquals(List.of("ALL"), Y.at(c, "securityContext.capabilities.drop"));
        assertNotNull(Y.at(c, "lifecycle.preStop"), "endpoints drain before the gateway stops");
        int grace = ((Number) podSpec(sts).get("terminationGracePeriodSeconds")).intValue();
        assertTrue(grace >= 60, "streams need time to drain: " + grace);
        int preStop = ((Number) Y.at(c, "lifecycle.preStop.sleep.seconds")).intValue();
        String drain = Y.str(env(c, "GATEWAY_ADMISSION_SHUTDOWN_GRACE"), "value");
        assertTrue(preStop + Integer.parseInt(drain.replace("s", "")) < grace, "streams drain before the kill");
        // Quarkus's own wait never sees a WebSocket's upgrade request end: set, it holds every stop.
        assertTrue(Y.list(c, "env").stream().noneMatch(e -> "QUARKUS_SHUTDOWN_TIMEOUT".equals(e.get("name"))),
                "quarkus.shutdown.timeout must stay unset");
    }

    @Test
    void everyGatewayPodHasAStableUniqueInstanceIdAndTheSharedResumeSecret() {
        Map<String, Object> c = container(CHART.get("StatefulSet", GATEWAY), "gateway");
        assertEquals("metadata.name", Y.str(env(c, "GATEWAY_QUEUE_INSTANCE_ID"), "valueFrom.fieldRef.fieldPath"));
        assertEquals("maverick-resume", Y.str(env(c, "GATEWAY_QUEUE_RESUME_SECRET"), "valueFrom.secretKeyRef.name"));
        // With a value instead of an existing Secret, the chart makes the one Secret every pod reads.
        Rendered own = Rendered.chart(Map.of("gateway.resumeSecret.existingSecret", "",
                "gateway.resumeSecret.value", "s3cret"));
        Map<String, Object> c2 = container(own.get("StatefulSet", GATEWAY), "gateway");
        String name = Y.str(env(c2, "GATEWAY_QUEUE_RESUME_SECRET"), "valueFrom.secretKeyRef.name");
        assertTrue(Y.map(own.get("Secret", name), "data").containsKey("resume-secret"));
        Exception e = assertThrows(IllegalStateException.class,
                () -> Rendered.template(Map.of("gateway.resumeSecret.existingSecret", "")));
        assertTrue(e.getMessage().contains("gateway.resumeSecret"), e.getMessage());
    }

    @Test
    void everyServicePortReachesAContainerPortOfThePodsItSelects() {
        List<Map<String, Object>> workloads = new ArrayList<>(CHART.ofKind("StatefulSet"));
        workloads.addAll(CHART.ofKind("Deployment"));
        for (Map<String, Object> svc : CHART.ofKind("Service")) {
            Map<String, Object> selector = Y.map(svc, "spec.selector");
            List<Map<String, Object>> pods = workloads.stream()
                    .filter(w -> Y.map(w, "spec.template.metadata.labels").entrySet().containsAll(selector.entrySet()))
                    .toList();
            assertEquals(1, pods.size(), "Service " + Y.str(svc, "metadata.name") + " selects " + pods.size() + " workloads");
            List<Map<String, Object>> containerPorts = Y.list(pods.get(0), "spec.template.spec.containers").stream()
                    .flatMap(c -> Y.list(c, "ports").stream()).toList();
            for (Map<String, Object> port : Y.list(svc, "spec.ports")) {
                Object target = port.getOrDefault("targetPort", port.get("port"));
                boolean found = containerPorts.stream().anyMatch(cp -> target.equals(cp.get("name"))
                        || target.equals(cp.get("containerPort")));
                assertTrue(found, "Service " + Y.str(svc, "metadata.name") + " port " + port + " has no container port");
            }
        }
    }

    @Test
    void gatewayTritonEndpointNamesTheTritonServiceAndItsGrpcPort() {
        Map<String, Object> c = container(CHART.get("StatefulSet", GATEWAY), "gateway");
        String endpoint = Y.str(env(c, "GATEWAY_TRITON_ENDPOINT"), "value");
        String[] hostPort = endpoint.split(":");
        Map<String, Object> svc = CHART.get("Service", hostPort[0]);
        Map<String, Object> grpc = Y.list(svc, "spec.ports").stream().filter(p -> "grpc".equals(p.get("name")))
                .findFirst().orElseThrow();
        assertEquals(Integer.parseInt(hostPort[1]), grpc.get("port"));
        Map<String, Object> triton = container(CHART.get("StatefulSet", TRITON), "triton");
        Map<String, Object> containerPort = Y.list(triton, "ports").stream()
                .filter(p -> p.get("name").equals(grpc.get("targetPort"))).findFirst().orElseThrow();
        assertEquals(8001, containerPort.get("containerPort"));
        assertTrue(Y.list(triton, "command").contains("--grpc-port=8001"), "tritonserver listens where the port says");
        assertEquals("tensorrt_llm", Y.str(env(c, "GATEWAY_TRITON_MODEL"), "value"));
    }

    @Test
    void everyEnvironmentVariableOfTheGatewayNamesARealSetting() throws IOException {
        Map<String, Object> c = container(CHART.get("StatefulSet", GATEWAY), "gateway");
        Set<String> gatewaySettings = Settings.gateway();
        assertTrue(gatewaySettings.contains("gateway.triton.endpoint") && gatewaySettings.contains("gateway.queue.instance-id"),
                "reflection on GatewayConfig: " + gatewaySettings);
        for (Map<String, Object> e : Y.list(c, "env")) {
            String name = (String) e.get("name");
            String property = Settings.propertyOf(name);
            assertNotNull(property, name + " maps to no gateway, Kafka or Quarkus setting");
            if (name.startsWith("GATEWAY_")) {
                assertTrue(gatewaySettings.contains(property), name + " -> " + property + " is not in GatewayConfig");
            }
        }
        assertTrue(Settings.readmeTable().contains("kafka.bootstrap.servers"));
        assertEquals("maverick-kafka-kafka-bootstrap:9093", Y.str(env(c, "KAFKA_BOOTSTRAP_SERVERS"), "value"));
    }

    /**
     * The README's install (step 3) names the first tenant's key digest through gateway.extraEnv, since
     * the chart has no value of its own for API keys: it must reach the container under a name the
     * gateway reads as gateway.auth.tenants.&lt;name&gt;.key-sha256.
     */
    @Test
    void aTenantKeyDigestGivenThroughExtraEnvReachesTheGatewayAsItsSetting() throws IOException {
        String digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        Rendered r = Rendered.chart(Map.of("gateway.extraEnv[0].name", "GATEWAY_AUTH_TENANTS_DEMO_KEY_SHA256",
                "gateway.extraEnv[0].value", digest));
        Map<String, Object> c = container(r.get("StatefulSet", GATEWAY), "gateway");
        assertEquals(digest, Y.str(env(c, "GATEWAY_AUTH_TENANTS_DEMO_KEY_SHA256"), "value"));
        assertEquals("gateway.auth.tenants.<name>.key-sha256", Settings.propertyOf("GATEWAY_AUTH_TENANTS_DEMO_KEY_SHA256"));
        assertTrue(Settings.gateway().contains("gateway.auth.tenants.<name>.key-sha256"), Settings.gateway().toString());
    }

    @Test
    void gatewayReachesKafkaOverTlsWithScram() {
        Map<String, Object> sts = CHART.get("StatefulSet", GATEWAY);
        Map<String, Object> c = container(sts, "gateway");
        assertEquals("SASL_SSL", Y.str(env(c, "KAFKA_SECURITY_PROTOCOL"), "value"));
        assertEquals("SCRAM-SHA-512", Y.str(env(c, "KAFKA_SASL_MECHANISM"), "value"));
        Map<String, Object> jaas = env(c, "KAFKA_SASL_JAAS_CONFIG");
        assertEquals("maverick-gateway", Y.str(jaas, "valueFrom.secretKeyRef.name"), "the KafkaUser's Secret");
        assertEquals("sasl.jaas.config", Y.str(jaas, "valueFrom.secretKeyRef.key"));
        assertEquals("maverick-kafka-cluster-ca-cert", Y.str(env(c, "KAFKA_SSL_TRUSTSTORE_PASSWORD"),
                "valueFrom.secretKeyRef.name"));
        Map<String, Object> kafka = CHART.get("Kafka", "maverick-kafka");
        Map<String, Object> listener = Y.list(kafka, "spec.kafka.listeners").get(0);
        assertEquals(Boolean.TRUE, listener.get("tls"));
        assertEquals("scram-sha-512", Y.str(listener, "authentication.type"));
        assertEquals(9093, listener.get("port"));
        assertEquals("enabled", Y.map(kafka, "metadata.annotations").get("strimzi.io/kraft"));
        assertEquals("enabled", Y.map(kafka, "metadata.annotations").get("strimzi.io/node-pools"));
        assertEquals("scram-sha-512", Y.str(CHART.get("KafkaUser", "maverick-gateway"), "spec.authentication.type"));
        assertEquals(List.of("controller", "broker"), Y.at(CHART.get("KafkaNodePool", "dual-role"), "spec.roles"));
    }

    @Test
    void kedaScalesOnTheWorkersLagAndOnGenerationsInFlight() throws IOException {
        Map<String, Object> so = CHART.get("ScaledObject", GATEWAY);
        assertEquals("StatefulSet", Y.str(so, "spec.scaleTargetRef.kind"));
        assertEquals(GATEWAY, Y.str(so, "spec.scaleTargetRef.name"));
        List<Map<String, Object>> triggers = Y.list(so, "spec.triggers");
        Map<String, Object> kafka = triggers.stream().filter(t -> "kafka".equals(t.get("type"))).findFirst().orElseThrow();
        // The worker's own group and topic (Worker.GROUP is package-private: read from its source).
        String worker = Files.readString(Rendered.ROOT.resolve(
                "gateway/src/main/java/org/maverick/gateway/queue/worker/Worker.java"));
        String group = Y.str(kafka, "metadata.consumerGroup");
        assertTrue(worker.contains("GROUP = \"" + group + "\""), "Worker's group is not " + group);
        assertEquals("maverick-workers", group);
        assertEquals(org.maverick.kafka.Topics.REQUESTS, Y.str(kafka, "metadata.topic"));
        assertEquals("maverick-kafka-kafka-bootstrap:9093", Y.str(kafka, "metadata.bootstrapServers"));
        Map<String, Object> auth = CHART.get("TriggerAuthentication", Y.str(kafka, "authenticationRef.name"));
        Set<String> params = new HashSet<>();
        Y.list(auth, "spec.secretTargetRef").forEach(r -> params.add((String) r.get("parameter")));
        assertEquals(Set.of("sasl", "tls", "username", "password", "ca"), params);
        assertTrue(triggers.stream().anyMatch(t -> "prometheus".equals(t.get("type"))
                && Y.str(t, "metadata.query").contains("in_flight")));
        assertTrue(((Number) Y.at(so, "spec.minReplicaCount")).intValue() >= 2, "one pod down must not stop service");
    }

    @Test
    void tritonTakesAWholeGpuNodeWithCacheShmTokenAndLongStartup() {
        Map<String, Object> sts = CHART.get("StatefulSet", TRITON);
        Map<String, Object> c = container(sts, "triton");
        assertEquals(8, Y.map(c, "resources.limits").get("nvidia.com/gpu"));
        assertEquals(8, Y.map(c, "resources.requests").get("nvidia.com/gpu"));
        assertTrue(String.valueOf(Y.at(c, "image")).matches("nvcr\\.io/nvidia/tritonserver:\\d\\d\\.\\d\\d-trtllm-python-py3"),
                String.valueOf(Y.at(c, "image")));
        assertEquals("/v2/health/ready", Y.str(c, "readinessProbe.httpGet.path"));
        assertEquals("/v2/health/live", Y.str(c, "livenessProbe.httpGet.path"));
        int window = ((Number) Y.at(c, "startupProbe.periodSeconds")).intValue()
                * ((Number) Y.at(c, "startupProbe.failureThreshold")).intValue();
        assertTrue(window >= 1800, "weights take long to load: startup window " + window + " s");
        Map<String, Object> shm = Y.list(podSpec(sts), "volumes").stream().filter(v -> "dshm".equals(v.get("name")))
                .findFirst().orElseThrow();
        assertEquals("Memory", Y.str(shm, "emptyDir.medium"));
        assertTrue(Y.list(c, "volumeMounts").stream().anyMatch(m -> "/dev/shm".equals(m.get("mountPath"))));
        assertEquals("model-cache", Y.str(Y.list(sts, "spec.volumeClaimTemplates").get(0), "metadata.name"));
        assertTrue(Y.list(c, "volumeMounts").stream().anyMatch(m -> "model-cache".equals(m.get("name"))));
        assertEquals("/cache/huggingface", Y.str(env(c, "HF_HOME"), "value"));
        assertEquals("hf-token", Y.str(env(c, "HF_TOKEN"), "valueFrom.secretKeyRef.name"));
        assertFalse(Y.list(podSpec(sts), "tolerations").isEmpty());
        assertNotNull(Y.at(podSpec(sts), "affinity.nodeAffinity"));
        assertEquals(List.of(8000, 8001, 8002), Y.list(c, "ports").stream().map(p -> p.get("containerPort")).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h100", "h200", "b200"})
    void gpuKindSelectsNodesAndProfileSetsModelYamlAndContextLength(String gpu) throws IOException {
        Rendered r = Rendered.chart(Map.of("triton.gpu", gpu, "triton.profile", gpu));
        Map<String, Object> sts = r.get("StatefulSet", TRITON);
        List<Map<String, Object>> terms = Y.list(podSpec(sts), "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
        Map<String, Object> expr = Y.list(terms.get(0), "matchExpressions").get(0);
        assertEquals("nvidia.com/gpu.product", expr.get("key"));
        assertTrue(expr.get("values").toString().toLowerCase().contains(gpu), expr.toString());
        String profile = Files.readString(Rendered.ROOT.resolve("triton-model-repo/profiles/" + gpu + "/model.yaml"));
        String inConfigMap = (String) Y.map(r.get("ConfigMap", TRITON + "-model-repo"), "data").get("model.yaml");
        assertEquals(profile.strip(), inConfigMap.strip());
        Map<String, Object> yaml = new Yaml().load(profile);
        Map<String, Object> c = container(r.get("StatefulSet", GATEWAY), "gateway");
        assertEquals(String.valueOf(yaml.get("max_seq_len")), Y.str(env(c, "GATEWAY_MODEL_CONTEXT_LENGTH"), "value"),
                "the gateway must not accept more context than the engine serves");
    }

    @Test
    void theDefaultProfileIsTheRepositorysModelYaml() throws IOException {
        Map<String, Object> cm = CHART.get("ConfigMap", TRITON + "-model-repo");
        Map<String, Object> data = Y.map(cm, "data");
        assertEquals(Files.readString(Rendered.ROOT.resolve("triton-model-repo/models/tensorrt_llm/1/model.yaml")).strip(),
                ((String) data.get("model.yaml")).strip());
        assertEquals(Files.readString(Rendered.ROOT.resolve("triton-model-repo/models/tensorrt_llm/config.pbtxt")).strip(),
                ((String) data.get("config.pbtxt")).strip());
        assertThrows(IllegalStateException.class, () -> Rendered.template(Map.of("triton.profile", "a100")));
    }

    @Test
    void theHuggingFaceTokenIsASecretAndRequired() {
        Exception e = assertThrows(IllegalStateException.class,
                () -> Rendered.template(Map.of("triton.huggingFace.existingSecret", "")));
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        Rendered r = Rendered.chart(Map.of("triton.huggingFace.existingSecret", "", "triton.huggingFace.token", "hf_x"));
        Map<String, Object> secret = r.get("Secret", TRITON + "-hf");
        assertTrue(Y.map(secret, "data").containsKey("HF_TOKEN"));
        assertEquals(TRITON + "-hf", Y.str(env(container(r.get("StatefulSet", TRITON), "triton"), "HF_TOKEN"),
                "valueFrom.secretKeyRef.name"));
    }

    @Test
    void clientsReachTheGatewayOverTls() {
        Map<String, Object> ingress = CHART.get("Ingress", GATEWAY);
        Map<String, Object> tls = Y.list(ingress, "spec.tls").get(0);
        assertEquals("maverick-gateway-tls", tls.get("secretName"));
        assertEquals(GATEWAY, Y.str(Y.list(Y.list(ingress, "spec.rules").get(0), "http.paths").get(0),
                "backend.service.name"));
        assertEquals("off", Y.map(ingress, "metadata.annotations").get("nginx.ingress.kubernetes.io/proxy-buffering"),
                "SSE must not be buffered");
    }

    /**
     * The request sizes follow from the two limits in values (gateway.limits): the gateway gets them, the
     * ingress lets a body just over the limit through (so the gateway answers its own 413), and the requests
     * and dead-letter topics take the largest queued form of a valid request, computed as the gateway does.
     */
    @ParameterizedTest
    @CsvSource({"4194304, 20971520", "8388608, 31457280", "1048576, 0"})
    void requestSizesFollowFromTheLimits(long body, long images) {
        Rendered r = Rendered.chart(Map.of("gateway.limits.maxBodyBytes", body,
                "gateway.limits.maxImageBytesTogether", images));
        Map<String, Object> c = container(r.get("StatefulSet", GATEWAY), "gateway");
        assertEquals(String.valueOf(body), Y.str(env(c, "GATEWAY_LIMITS_MAX_BODY_BYTES"), "value"));
        assertEquals(String.valueOf(images), Y.str(env(c, "GATEWAY_IMAGES_MAX_TOTAL_BYTES"), "value"));
        assertEquals(String.valueOf(body + 1048576), Y.map(r.get("Ingress", GATEWAY), "metadata.annotations")
                .get("nginx.ingress.kubernetes.io/proxy-body-size"));

        long largest = QueuedSizes.largestQueuedRequest(body, images);
        Map<String, Map<String, Object>> topics = KafkaTopicsTest.rendered(r);
        long requests = Long.parseLong(Y.map(topics.get(Topics.REQUESTS), "spec.config").get("max.message.bytes").toString());
        long dlq = Long.parseLong(Y.map(topics.get(Topics.DLQ), "spec.config").get("max.message.bytes").toString());
        // Raised with the limits, never below what topics.yaml gives (which fits the gateway's defaults).
        assertEquals(Math.max(largest, 36700160L), requests, "requests' max.message.bytes");
        assertEquals(Math.max(largest + 1048576, 37748736L), dlq, "dead letters' max.message.bytes");
    }

    @Test
    void theChartsLimitsAreTheGatewaysDefaults() throws IOException {
        Map<String, Object> c = container(CHART.get("StatefulSet", GATEWAY), "gateway");
        for (String env : List.of("GATEWAY_LIMITS_MAX_BODY_BYTES", "GATEWAY_IMAGES_MAX_TOTAL_BYTES")) {
            String setting = Settings.propertyOf(env);
            assertEquals(Settings.defaultOf(Settings.gatewayMethods().get(setting)).orElseThrow(),
                    Y.str(env(c, env), "value"), setting);
        }
    }

    @Test
    void monitoringScrapesGatewayAndTritonMetricsPorts() {
        Map<String, Object> gw = CHART.get("ServiceMonitor", GATEWAY);
        assertEquals("/q/metrics", Y.str(Y.list(gw, "spec.endpoints").get(0), "path"));
        assertEquals("http", Y.str(Y.list(gw, "spec.endpoints").get(0), "port"));
        Map<String, Object> triton = CHART.get("ServiceMonitor", TRITON);
        assertEquals("metrics", Y.str(Y.list(triton, "spec.endpoints").get(0), "port"));
        assertFalse(Y.list(Y.list(CHART.get("PrometheusRule", "maverick"), "spec.groups").get(0), "rules").isEmpty());
    }
}
