package org.maverick.deploy;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rendered KafkaTopics against kafka/topics.yaml (the one source), and the gateway's ACLs. */
class KafkaTopicsTest {

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> topicsYaml() throws IOException {
        Map<String, Object> root = new Yaml().load(Files.readString(Rendered.ROOT.resolve("kafka/topics.yaml")));
        return (List<Map<String, Object>>) root.get("topics");
    }

    static Map<String, String> strings(Object configs) {
        Map<String, String> out = new TreeMap<>();
        ((Map<?, ?>) configs).forEach((k, v) -> out.put(k.toString(), v.toString()));
        return out;
    }

    static Map<String, Map<String, Object>> rendered(Rendered r) {
        Map<String, Map<String, Object>> byTopic = new LinkedHashMap<>();
        for (Map<String, Object> t : r.ofKind("KafkaTopic")) {
            assertEquals("maverick-kafka", Y.map(t, "metadata.labels").get("strimzi.io/cluster"));
            byTopic.put(Y.str(t, "spec.topicName"), t);
        }
        return byTopic;
    }

    /**
     * topics.yaml (what the gateway creates, and the chart's default) sizes the requests topic for the largest
     * queued form of a valid request under the gateway's default limits, as the gateway computes it, and the
     * dead letters for such a record plus their headers.
     */
    @Test
    void theRequestsTopicTakesTheLargestQueuedRequestOfTheGatewaysDefaults() throws IOException {
        var settings = Settings.gatewayMethods();
        long body = Long.parseLong(Settings.defaultOf(settings.get("gateway.limits.max-body-bytes")).orElseThrow());
        long images = Long.parseLong(Settings.defaultOf(settings.get("gateway.images.max-total-bytes")).orElseThrow());
        long largest = org.maverick.gateway.config.QueuedSizes.largestQueuedRequest(body, images);
        Map<String, String> requests = null;
        Map<String, String> dlq = null;
        for (Map<String, Object> def : topicsYaml()) {
            if (org.maverick.kafka.Topics.REQUESTS.equals(def.get("name"))) {
                requests = strings(def.get("configs"));
            } else if (org.maverick.kafka.Topics.DLQ.equals(def.get("name"))) {
                dlq = strings(def.get("configs"));
            }
        }
        assertEquals(String.valueOf(largest), requests.get("max.message.bytes"), "requests' max.message.bytes");
        assertEquals(String.valueOf(largest + (1 << 20)), dlq.get("max.message.bytes"), "dead letters' max.message.bytes");
    }

    @Test
    void renderedTopicsAreExactlyTheFixedTopicsOfTopicsYaml() throws IOException {
        Map<String, Map<String, Object>> rendered = rendered(ChartRenderTest.CHART);
        Set<String> fixed = new TreeSet<>();
        for (Map<String, Object> def : topicsYaml()) {
            if (Boolean.TRUE.equals(def.get("template"))) {
                continue; // per-instance reply topics: each gateway pod creates its own
            }
            String name = (String) def.get("name");
            fixed.add(name);
            Map<String, Object> t = rendered.get(name);
            assertTrue(t != null, "no KafkaTopic for " + name);
            assertEquals(def.get("partitions"), Y.at(t, "spec.partitions"), name + " partitions");
            assertEquals(def.get("replication_factor"), Y.at(t, "spec.replicas"), name + " replicas");
            assertEquals(strings(def.get("configs")), strings(Y.at(t, "spec.config")), name + " configs");
        }
        assertEquals(fixed, new TreeSet<>(rendered.keySet()));
        assertEquals(Y.at(rendered.get(org.maverick.kafka.Topics.REQUESTS), "spec.partitions"),
                Y.at(rendered.get(org.maverick.kafka.Topics.CONTROL), "spec.partitions"), "co-partitioned");
    }

    @Test
    void eventsRetentionBoundsHowLongCompletionsStayInKafka() throws IOException {
        Map<String, Object> events = rendered(ChartRenderTest.CHART).get(org.maverick.kafka.Topics.EVENTS);
        Map<String, String> config = strings(Y.at(events, "spec.config"));
        assertEquals("delete", config.get("cleanup.policy"));
        long retention = Long.parseLong(config.get("retention.ms"));
        assertTrue(retention > 0 && retention <= 24 * 3600_000L, "events retention " + retention);
    }

    @Test
    void aSingleBrokerClusterGetsReplicationOneAndTheGatewayIsToldSo() {
        Rendered r = Rendered.chart(Map.of("kafka.replicas", 1));
        for (Map<String, Object> t : r.ofKind("KafkaTopic")) {
            assertEquals(1, Y.at(t, "spec.replicas"));
            assertEquals("1", strings(Y.at(t, "spec.config")).get("min.insync.replicas"));
        }
        var gateway = ChartRenderTest.container(r.get("StatefulSet", ChartRenderTest.GATEWAY), "gateway");
        assertEquals("1", Y.str(ChartRenderTest.env(gateway, "GATEWAY_QUEUE_REPLICATION_FACTOR"), "value"));
    }

    @Test
    void theGatewaysKafkaUserMayUseEveryTopicItNeedsAndTheWorkerGroup() throws IOException {
        Map<String, Object> user = ChartRenderTest.CHART.get("KafkaUser", "maverick-gateway");
        List<Map<String, Object>> acls = Y.list(user, "spec.authorization.acls");
        for (Map<String, Object> def : topicsYaml()) {
            String name = ((String) def.get("name")).replace("{instance}", "maverick-gateway-0");
            boolean template = Boolean.TRUE.equals(def.get("template"));
            Set<String> needed = template ? Set.of("Create", "Read", "Write", "Describe") : Set.of("Read", "Write", "Describe");
            assertTrue(acls.stream().anyMatch(a -> "topic".equals(Y.str(a, "resource.type"))
                    && matches(a, name) && ((List<?>) a.get("operations")).containsAll(needed)),
                    "no ACL grants " + needed + " on " + name);
        }
        assertTrue(acls.stream().anyMatch(a -> "group".equals(Y.str(a, "resource.type"))
                && "maverick-workers".equals(Y.str(a, "resource.name"))
                && ((List<?>) a.get("operations")).contains("Read")));
    }

    private static boolean matches(Map<String, Object> acl, String topic) {
        String name = Y.str(acl, "resource.name");
        return "prefix".equals(Y.str(acl, "resource.patternType")) ? topic.startsWith(name) : topic.equals(name);
    }
}
