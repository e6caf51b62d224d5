package org.maverick.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicDefinitionsTest {

    @TempDir
    Path dir;

    @Test
    void shippedDefinitionsHoldEveryTopicWithItsDocumentedShape() {
        List<TopicDefinition> definitions = TopicDefinitions.load();
        assertEquals(List.of(Topics.REQUESTS, Topics.CONTROL, Topics.STATUS, Topics.EVENTS, Topics.DLQ,
                Topics.RESPONSES, Topics.RESPONSE_EVENTS, Topics.REPLIES_TEMPLATE), definitions.stream().map(TopicDefinition::name).toList());

        assertEquals("compact", TopicDefinitions.byName(Topics.RESPONSES).configs().get("cleanup.policy"));
        assertEquals("86400000", TopicDefinitions.byName(Topics.RESPONSE_EVENTS).configs().get("retention.ms"));
        TopicDefinition requests = TopicDefinitions.byName(Topics.REQUESTS);
        assertEquals(12, requests.partitions());
        assertEquals("delete", requests.configs().get("cleanup.policy"));
        assertEquals("86400000", requests.configs().get("retention.ms"));
        assertEquals(12, TopicDefinitions.byName(Topics.CONTROL).partitions());
        assertEquals(12, TopicDefinitions.byName(Topics.STATUS).partitions());
        assertTrue(TopicDefinitions.byName(Topics.STATUS).configs().get("cleanup.policy").contains("compact"));
        assertEquals(12, TopicDefinitions.byName(Topics.EVENTS).partitions());
        assertEquals("3600000", TopicDefinitions.byName(Topics.EVENTS).configs().get("retention.ms"));
        assertEquals(3, TopicDefinitions.byName(Topics.DLQ).partitions());
        assertEquals("604800000", TopicDefinitions.byName(Topics.DLQ).configs().get("retention.ms"));
        TopicDefinition replies = TopicDefinitions.byName(Topics.REPLIES_TEMPLATE);
        assertTrue(replies.template());
        assertEquals(1, replies.partitions());
        definitions.forEach(definition -> assertFalse(definition.description().isBlank(), definition.name()));
    }

    @Test
    void byNameRefusesAnUnknownTopic() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopicDefinitions.byName("maverick.nope"));
        assertTrue(e.getMessage().contains("maverick.nope"), e.getMessage());
    }

    @Test
    void templateBecomesAConcreteTopicPerInstance() {
        TopicDefinition replies = TopicDefinitions.byName(Topics.REPLIES_TEMPLATE).forInstance("gw-7");
        assertEquals("maverick.replies.gw-7", replies.name());
        assertFalse(replies.template());
        assertEquals("3600000", replies.configs().get("retention.ms"));
        assertThrows(IllegalArgumentException.class,
                () -> TopicDefinitions.byName(Topics.REPLIES_TEMPLATE).forInstance("gw/7"));
        assertThrows(IllegalStateException.class, () -> TopicDefinitions.byName(Topics.REQUESTS).forInstance("x"));
        assertThrows(IllegalStateException.class,
                () -> TopicDefinitions.byName(Topics.REPLIES_TEMPLATE).toNewTopic(Optional.empty()));
    }

    @Test
    void replicationOverrideLowersMinInsyncReplicas() {
        assertEquals("compact", TopicDefinitions.byName(Topics.RESPONSES).configs().get("cleanup.policy"));
        assertEquals("86400000", TopicDefinitions.byName(Topics.RESPONSE_EVENTS).configs().get("retention.ms"));
        TopicDefinition requests = TopicDefinitions.byName(Topics.REQUESTS);
        NewTopic production = requests.toNewTopic(Optional.empty());
        assertEquals((short) 3, production.replicationFactor());
        assertEquals("2", production.configs().get("min.insync.replicas"));

        NewTopic local = requests.toNewTopic(Optional.of((short) 1));
        assertEquals((short) 1, local.replicationFactor());
        assertEquals(12, local.numPartitions());
        assertEquals("1", local.configs().get("min.insync.replicas"));
        assertEquals("delete", local.configs().get("cleanup.policy"));
    }

    @Test
    void loadsTheSameFormatFromAFile() throws IOException {
        Path file = write("""
                topics:
                  - name: a.topic
                    partitions: 2
                    replication_factor: 1
                    configs: {retention.ms: 1000}
                """);
        TopicDefinition only = TopicDefinitions.load(file).get(0);
        assertEquals(new TopicDefinition("a.topic", 2, (short) 1, Map.of("retention.ms", "1000"), "", false), only);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "zero partitions | name: t.a, partitions: 0, replication_factor: 1 | topic t.a: field partitions",
            "text partitions | name: t.a, partitions: many, replication_factor: 1 | topic t.a: field partitions",
            "no replication | name: t.a, partitions: 1 | topic t.a: field replication_factor",
            "illegal name | name: 't a', partitions: 1, replication_factor: 1 | topic t a: field name",
            "dot name | name: '..', partitions: 1, replication_factor: 1 | topic ..: field name",
            "template without placeholder | name: t.a, partitions: 1, replication_factor: 1, template: true | field name must contain {instance}",
    })
    void invalidDefinitionIsRefusedNamingTopicAndField(String caseName, String topic, String message)
            throws IOException {
        Path file = write("topics:\n  - {" + topic + "}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicDefinitions.load(file));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void controlAndStatusMustBeCoPartitionedWithRequests() throws IOException {
        Path file = write("""
                topics:
                  - {name: maverick.generation.requests, partitions: 12, replication_factor: 1}
                  - {name: maverick.generation.control, partitions: 12, replication_factor: 1}
                  - {name: maverick.generation.status, partitions: 6, replication_factor: 1}
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicDefinitions.load(file));
        assertTrue(e.getMessage().startsWith("topic maverick.generation.status: field partitions is 6"),
                e.getMessage());
    }

    @Test
    void duplicateTopicIsRefused() throws IOException {
        Path file = write("""
                topics:
                  - {name: t.a, partitions: 1, replication_factor: 1}
                  - {name: t.a, partitions: 2, replication_factor: 1}
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicDefinitions.load(file));
        assertTrue(e.getMessage().contains("topic t.a: field name is defined twice"), e.getMessage());
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("topics.yaml"), yaml);
    }
}
