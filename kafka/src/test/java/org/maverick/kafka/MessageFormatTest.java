package org.maverick.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The message format as published: every example in {@code kafka/examples} is valid against the
 * schema its topic carries, typical mistakes are refused with a message naming the field, and
 * the AsyncAPI document describes exactly the topics of {@code topics.yaml}.
 */
class MessageFormatTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path SCHEMAS = MODULE.resolve("schemas");
    private static final Path EXAMPLES = MODULE.resolve("examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    /** Which value schema each topic carries (the DLQ carries the original bytes). */
    private static final Map<String, String> SCHEMA_OF_TOPIC = Map.of(
            Topics.REQUESTS, "generation-request.v1",
            Topics.CONTROL, "control.v1",
            Topics.STATUS, "status.v1",
            Topics.EVENTS, "generation-event.v1",
            Topics.RESPONSES, "stored-response.v1",
            Topics.RESPONSE_EVENTS, "generation-event.v1",
            Topics.REPLIES_TEMPLATE, "generation-event.v1");

    private static final Map<String, Schema> SCHEMAS_BY_NAME = new HashMap<>();

    private static Schema schema(String name) {
        return SCHEMAS_BY_NAME.computeIfAbsent(name, key -> {
            try (InputStream in = Files.newInputStream(SCHEMAS.resolve(key + ".schema.json"))) {
                return REGISTRY.getSchema(in, InputFormat.JSON);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String schemaNameOfTopic(String topic) {
        if (topic.startsWith("maverick.replies.")) {
            return SCHEMA_OF_TOPIC.get(Topics.REPLIES_TEMPLATE);
        }
        return SCHEMA_OF_TOPIC.get(topic);
    }

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(path -> path.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleIsValidAgainstItsTopicsSchema(Path file) throws IOException {
        JsonNode record = JSON.readTree(file.toFile());
        String topic = record.path("topic").asText();
        assertTrue(topic.startsWith("maverick.replies.") || TopicDefinitions.find(TopicDefinitions.load(), topic)
                .isPresent(), file + " names unknown topic " + topic);
        assertTrue(record.path("key").asText().matches("[A-Za-z0-9._:-]{1,128}"), file + ": key");
        JsonNode headers = record.path("headers");

        if (topic.equals(Topics.DLQ)) {
            for (String header : List.of(MessageHeaders.DLQ_REASON, MessageHeaders.DLQ_TOPIC,
                    MessageHeaders.DLQ_PARTITION, MessageHeaders.DLQ_OFFSET)) {
                assertTrue(headers.hasNonNull(header), file + " lacks header " + header);
            }
            return;
        }
        String schemaName = schemaNameOfTopic(topic);
        assertNotNull(schemaName, "no schema for topic " + topic);
        assertEquals(schemaName, headers.path(MessageHeaders.SCHEMA).asText(), file + ": maverick-schema header");
        JsonNode value = record.get("value");
        if ("holding".equals(value.path("action").asText())) {
            // an owner heartbeat names no request: its key is its instance's
            assertEquals("holding:" + value.path("instance").asText(), record.path("key").asText(), file + ": key");
        } else if (value.has("request_id")) {
            assertEquals(record.path("key").asText(), value.path("request_id").asText(), file + ": key = request_id");
        } else {
            assertEquals(record.path("key").asText(), value.path("id").asText(), file + ": key = response id");
        }
        List<Error> errors = schema(schemaName).validate(JSON.writeValueAsString(value), InputFormat.JSON);
        assertEquals(List.of(), errors, file.getFileName() + " against " + schemaName);
    }

    @Test
    void everySchemaHasAnExampleAndEveryTopicIsExemplified() throws IOException {
        Set<String> topics = new TreeSet<>();
        for (Path file : examples().toList()) {
            String topic = JSON.readTree(file.toFile()).path("topic").asText();
            topics.add(topic.startsWith("maverick.replies.") ? Topics.REPLIES_TEMPLATE : topic);
        }
        Set<String> defined = new TreeSet<>();
        TopicDefinitions.load().forEach(definition -> defined.add(definition.name()));
        assertEquals(defined, topics);
    }

    static Stream<Arguments> badMessages() {
        return Stream.of(
                bad("requests.chat-streamed.json", "request_id", v -> v.remove("request_id")),
                bad("requests.chat-streamed.json", "request_id", v -> v.put("request_id", "has space")),
                bad("requests.chat-streamed.json", "kind", v -> v.put("kind", "embedding")),
                bad("requests.chat-streamed.json", "version", v -> v.put("version", 2)),
                bad("requests.chat-streamed.json", "created_at", v -> v.put("created_at", "yesterday")),
                bad("requests.chat-streamed.json", "messages", v -> ((ObjectNode) v.get("request")).remove("messages")),
                bad("requests.chat-with-image.json", "image_url", v -> ((ObjectNode) v.at("/request/messages/0/content/1"))
                        .remove("image_url")),
                bad("requests.chat-with-image.json", "url", v -> ((ObjectNode) v.at("/request/messages/0/content/1/image_url"))
                        .put("url", "")),
                bad("requests.completion-whole.json", "prompt", v -> ((ObjectNode) v.get("request")).remove("prompt")),
                bad("requests.chat-streamed.json", "request", v -> v.remove("request")),
                bad("requests.prevalidated.json", "signature", v -> v.remove("signature")),
                bad("requests.prevalidated.json", "generation", v -> v.remove("generation")),
                bad("requests.prevalidated.json", "prompt_tokens",
                        v -> ((ObjectNode) v.get("generation")).put("prompt_tokens", "many")),
                bad("events.token.json", "text", v -> v.remove("text")),
                bad("events.token.json", "seq", v -> v.put("seq", -1)),
                bad("events.token.json", "attempt", v -> v.put("attempt", 0)),
                bad("events.final-streamed.json", "usage", v -> v.remove("usage")),
                bad("events.final-streamed.json", "finish_reason", v -> v.put("finish_reason", "tired")),
                bad("events.error.json", "error", v -> v.remove("error")),
                bad("control.client-gone.json", "grace_ms", v -> v.remove("grace_ms")),
                bad("control.cancel.json", "action", v -> v.put("action", "pause")),
                bad("control.cancel.json", "request_id", v -> v.remove("request_id")),
                bad("control.holding.json", "request_ids", v -> v.remove("request_ids")),
                bad("control.holding.json", "instance", v -> v.put("instance", "gw 7")),
                bad("status.running.json", "state", v -> v.put("state", "paused")),
                bad("status.running.json", "first_event_offset", v -> v.remove("first_event_offset")));
    }

    private static Arguments bad(String example, String field, Consumer<ObjectNode> mutation) {
        return Arguments.of(example, field, mutation);
    }

    @ParameterizedTest(name = "{0} without a valid {1}")
    @MethodSource("badMessages")
    void invalidMessageIsRefusedNamingTheField(String example, String field, Consumer<ObjectNode> mutation)
            throws IOException {
        JsonNode record = JSON.readTree(EXAMPLES.resolve(example).toFile());
        ObjectNode value = (ObjectNode) record.get("value").deepCopy();
        mutation.accept(value);
        List<Error> errors = schema(schemaNameOfTopic(record.path("topic").asText()))
                .validate(JSON.writeValueAsString(value), InputFormat.JSON);
        assertFalse(errors.isEmpty(), "accepted: " + value);
        assertTrue(errors.stream().anyMatch(error -> error.toString().contains(field)),
                "no message names " + field + ": " + errors);
    }

    @Test
    void unknownFieldsAreAcceptedForForwardCompatibility() throws IOException {
        for (Path file : examples().toList()) {
            JsonNode record = JSON.readTree(file.toFile());
            if (!record.has("value")) {
                continue;
            }
            ObjectNode value = (ObjectNode) record.get("value").deepCopy();
            value.put("added_in_a_later_minor_release", true);
            String schemaName = schemaNameOfTopic(record.path("topic").asText());
            assertEquals(List.of(), schema(schemaName).validate(JSON.writeValueAsString(value), InputFormat.JSON),
                    file.getFileName().toString());
        }
    }

    @Test
    void asyncApiChannelsAreExactlyTheDefinedTopics() throws IOException {
        JsonNode asyncapi = YAML.readTree(MODULE.resolve("asyncapi.yaml").toFile());
        assertEquals("3.0.0", asyncapi.path("asyncapi").asText());
        Set<String> addresses = new TreeSet<>();
        asyncapi.path("channels").forEach(channel -> addresses.add(channel.path("address").asText()));
        Set<String> defined = new TreeSet<>();
        TopicDefinitions.load().forEach(definition -> defined.add(definition.name()));
        assertEquals(defined, addresses);
    }

    @Test
    void asyncApiMessagesReferenceTheSchemasThatExist() throws IOException {
        JsonNode asyncapi = YAML.readTree(MODULE.resolve("asyncapi.yaml").toFile());
        Set<String> referenced = new TreeSet<>();
        asyncapi.path("components").path("messages").forEach(message -> {
            JsonNode ref = message.path("payload").path("schema").path("$ref");
            if (!ref.isMissingNode()) {
                referenced.add(ref.asText());
            }
        });
        Set<String> files = new TreeSet<>();
        try (Stream<Path> schemas = Files.list(SCHEMAS)) {
            schemas.forEach(path -> files.add("./schemas/" + path.getFileName()));
        }
        assertEquals(files, referenced);
        for (String ref : referenced) {
            JsonNode schemaNode = JSON.readTree(MODULE.resolve(ref).toFile());
            assertEquals("https://json-schema.org/draft/2020-12/schema", schemaNode.path("$schema").asText(), ref);
        }
    }

    @Test
    void contractDocumentsShipOnTheClasspath() {
        ClassLoader loader = getClass().getClassLoader();
        for (String resource : List.of("maverick-kafka/topics.yaml", "maverick-kafka/asyncapi.yaml",
                "maverick-kafka/schemas/generation-request.v1.schema.json",
                "maverick-kafka/schemas/generation-event.v1.schema.json",
                "maverick-kafka/schemas/control.v1.schema.json", "maverick-kafka/schemas/status.v1.schema.json",
                "maverick-kafka/schemas/stored-response.v1.schema.json")) {
            assertNotNull(loader.getResource(resource), resource);
        }
    }

    @Test
    void schemaNamesMatchTheirIds() throws IOException {
        try (Stream<Path> schemas = Files.list(SCHEMAS)) {
            for (Path path : schemas.toList()) {
                String name = path.getFileName().toString().replace(".schema.json", "");
                assertEquals("urn:maverick:schema:" + name, JSON.readTree(path.toFile()).path("$id").asText());
                assertTrue(SCHEMA_OF_TOPIC.containsValue(name), name + " is carried by no topic");
            }
        }
    }
}
