package org.maverick.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Reads {@code topics.yaml}, the one source of the topics' names, partitions and configs. The
 * file lives at {@code kafka/topics.yaml} and ships on the classpath as {@value #RESOURCE}.
 *
 * <p>Loading checks what would otherwise surface later as a confusing broker error or a
 * silent routing bug: legal names, positive partitions and replication, no duplicates, and the
 * control and status topics co-partitioned with the requests topic (a worker owning partition
 * <i>p</i> of requests must also see partition <i>p</i> of control and status).
 */
public final class TopicDefinitions {

    /** The classpath location of the definitions. */
    public static final String RESOURCE = "maverick-kafka/topics.yaml";

    /** Topics that must have the requests topic's partition count. */
    public static final List<String> CO_PARTITIONED = List.of(Topics.REQUESTS, Topics.CONTROL, Topics.STATUS);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private TopicDefinitions() {
    }

    /** The definitions shipped on the classpath. */
    public static List<TopicDefinition> load() {
        try (InputStream in = TopicDefinitions.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is missing");
            }
            return parse(YAML.readTree(in), RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }

    /** The definitions in a file of the same format (a copy of {@code topics.yaml}). */
    public static List<TopicDefinition> load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(YAML.readTree(in), file.toString());
        }
    }

    /**
     * The shipped definition named {@code name} (a template by its pattern, e.g.
     * {@code maverick.replies.{instance}}).
     *
     * @throws IllegalArgumentException if no topic has that name
     */
    public static TopicDefinition byName(String name) {
        return find(Holder.SHIPPED, name).orElseThrow(
                () -> new IllegalArgumentException("no topic named " + name + " in " + RESOURCE));
    }

    /** The definition named {@code name} in {@code definitions}, if any. */
    public static Optional<TopicDefinition> find(List<TopicDefinition> definitions, String name) {
        return definitions.stream().filter(definition -> definition.name().equals(name)).findFirst();
    }

    static List<TopicDefinition> parse(JsonNode root, String source) {
        JsonNode topics = root == null ? null : root.get("topics");
        if (topics == null || !topics.isArray() || topics.isEmpty()) {
            throw new IllegalArgumentException(source + ": expected a non-empty list under 'topics'");
        }
        List<TopicDefinition> definitions = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode topic : topics) {
            TopicDefinition definition = parseOne(topic, source);
            if (!names.add(definition.name())) {
                throw new IllegalArgumentException("topic " + definition.name() + ": field name is defined twice");
            }
            definitions.add(definition);
        }
        checkCoPartitioned(definitions);
        return List.copyOf(definitions);
    }

    private static TopicDefinition parseOne(JsonNode topic, String source) {
        JsonNode nameNode = topic.get("name");
        if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isBlank()) {
            throw new IllegalArgumentException(source + ": a topic has no field name");
        }
        String name = nameNode.asText();
        int partitions = requiredInt(topic, "partitions", name);
        int replication = requiredInt(topic, "replication_factor", name);
        if (replication > Short.MAX_VALUE) {
            throw new IllegalArgumentException("topic " + name + ": field replication_factor is too large");
        }
        Map<String, String> configs = new LinkedHashMap<>();
        JsonNode configNode = topic.get("configs");
        if (configNode != null && !configNode.isNull()) {
            if (!configNode.isObject()) {
                throw new IllegalArgumentException("topic " + name + ": field configs must be a map");
            }
            for (Map.Entry<String, JsonNode> entry : configNode.properties()) {
                if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
                    throw new IllegalArgumentException("topic " + name + ": field configs." + entry.getKey()
                            + " must be a scalar");
                }
                configs.put(entry.getKey(), entry.getValue().asText());
            }
        }
        String description = topic.path("description").asText("");
        boolean template = topic.path("template").asBoolean(false);
        return new TopicDefinition(name, partitions, (short) replication, configs, description, template);
    }

    private static int requiredInt(JsonNode topic, String field, String name) {
        JsonNode value = topic.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("topic " + name + ": field " + field + " must be an integer");
        }
        return value.intValue();
    }

    private static void checkCoPartitioned(List<TopicDefinition> definitions) {
        Optional<TopicDefinition> requests = find(definitions, Topics.REQUESTS);
        if (requests.isEmpty()) {
            return;
        }
        int expected = requests.get().partitions();
        for (String name : CO_PARTITIONED) {
            find(definitions, name).ifPresent(definition -> {
                if (definition.partitions() != expected) {
                    throw new IllegalArgumentException("topic " + name + ": field partitions is "
                            + definition.partitions() + " but must equal " + Topics.REQUESTS + "'s " + expected
                            + " (co-partitioned by request id)");
                }
            });
        }
    }

    /** Loaded on first use of {@link #byName(String)}. */
    private static final class Holder {
        static final List<TopicDefinition> SHIPPED = load();
    }
}
