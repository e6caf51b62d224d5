package org.maverick.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaDataDirTest {

    @TempDir
    Path dataDir;

    @Test
    void givenDataDirIsKeptAndReusedWithItsClusterAndTopics() throws Exception {
        List<TopicDefinition> definitions = List.of(TopicDefinitions.byName(Topics.DLQ));
        String clusterId;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).build().start();
                Admin admin = kafka.admin()) {
            clusterId = kafka.clusterId();
            TopicAdmin.Report first = TopicAdmin.ensure(admin, definitions, Optional.of((short) 1), Duration.ofSeconds(20));
            assertEquals(List.of(Topics.DLQ), first.created());
        }
        assertTrue(Files.exists(dataDir.resolve("meta.properties")), "a given data directory is kept on close");

        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).build().start();
                Admin admin = kafka.admin()) {
            assertEquals(clusterId, kafka.clusterId());
            // A restarted broker loads its partitions after it answers: until then a topic check may read
            // "does not host this topic-partition". The topic is found, never created again.
            TopicAdmin.Report again = await().atMost(Duration.ofSeconds(30)).until(
                    () -> TopicAdmin.ensure(admin, definitions, Optional.of((short) 1), Duration.ofSeconds(20)),
                    report -> report.ok() || !report.created().isEmpty());
            assertEquals(List.of(), again.created());
            assertTrue(again.ok(), again.problems().toString());
        }
    }
}
