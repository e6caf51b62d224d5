package org.maverick.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** One real KRaft broker for the whole class; the topics are ensured once, in order. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedKafkaTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Optional<Short> SINGLE_NODE = Optional.of((short) 1);

    private static EmbeddedKafka kafka;
    private static Admin admin;
    private static Path dataDir;
    private static long startMillis;

    @BeforeAll
    static void startBroker() throws Exception {
        long started = System.nanoTime();
        kafka = EmbeddedKafka.builder().port(0).build().start();
        startMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("embedded Kafka started in " + startMillis + " ms at " + kafka.bootstrapServers());
        dataDir = kafka.dataDir();
        admin = kafka.admin();
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
            assertTrue(Files.notExists(dataDir), "the temporary data directory is deleted on close");
        }
    }

    @Test
    @Order(1)
    void brokerListensOnLoopbackAndStartsQuickly() {
        assertTrue(kafka.bootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), kafka.bootstrapServers());
        assertTrue(kafka.port() > 0);
        assertTrue(startMillis < 20_000, "started in " + startMillis + " ms");
    }

    @Test
    @Order(2)
    void ensureCreatesEveryDefinedTopicWithItsPartitionsAndConfigs() throws Exception {
        List<TopicDefinition> definitions = TopicDefinitions.load();
        TopicAdmin.Report report = TopicAdmin.ensure(admin, definitions, SINGLE_NODE, TIMEOUT);

        List<String> concrete = definitions.stream().filter(d -> !d.template()).map(TopicDefinition::name).toList();
        assertEquals(Set.copyOf(concrete), Set.copyOf(report.created()));
        assertEquals(List.of(), report.problems());

        Map<String, TopicDescription> described = admin.describeTopics(concrete).allTopicNames()
                .get(10, TimeUnit.SECONDS);
        for (TopicDefinition definition : definitions) {
            if (definition.template()) {
                continue;
            }
            TopicDescription description = described.get(definition.name());
            assertEquals(definition.partitions(), description.partitions().size(), definition.name());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, definition.name());
            Config config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
            definition.effectiveConfigs(SINGLE_NODE).forEach((key, value) ->
                    assertEquals(value, config.get(key).value(), definition.name() + " " + key));
        }
        assertEquals("1", described.get(Topics.REQUESTS).partitions().get(0).replicas().size() + "");
        ConfigResource status = new ConfigResource(ConfigResource.Type.TOPIC, Topics.STATUS);
        assertEquals("compact,delete", admin.describeConfigs(List.of(status)).all().get(10, TimeUnit.SECONDS)
                .get(status).get("cleanup.policy").value());
    }

    @Test
    @Order(3)
    void secondEnsureIsANoOp() {
        TopicAdmin.Report report = TopicAdmin.ensure(admin, TopicDefinitions.load(), SINGLE_NODE, TIMEOUT);
        assertEquals(List.of(), report.created());
        assertTrue(report.ok(), report.problems().toString());
    }

    @Test
    @Order(4)
    void recordRoundTripsThroughTheRequestsTopic() throws Exception {
        String requestId = "req-round-trip-1";
        String value = "{\"version\":1,\"request_id\":\"" + requestId + "\"}";
        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                new StringSerializer(), new StringSerializer())) {
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.REQUESTS, requestId, value);
            record.headers().add(MessageHeaders.SCHEMA, "generation-request.v1".getBytes(StandardCharsets.UTF_8));
            sent = producer.send(record).get(10, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "round-trip-test",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.REQUESTS));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
        }
        assertEquals(1, received.size());
        ConsumerRecord<String, String> record = received.get(0);
        assertEquals(requestId, record.key());
        assertEquals(value, record.value());
        assertEquals(sent.partition(), record.partition());
        assertEquals("generation-request.v1",
                new String(record.headers().lastHeader(MessageHeaders.SCHEMA).value(), StandardCharsets.UTF_8));
    }

    @Test
    @Order(5)
    void mismatchedPreExistingTopicIsReportedNotAltered() throws Exception {
        // A requests topic made by hand with the wrong partition count, in its own "cluster
        // namespace": definitions renamed with a prefix so the shipped topics stay untouched.
        List<TopicDefinition> renamed = TopicDefinitions.load().stream().filter(d -> !d.template())
                .map(d -> new TopicDefinition("mismatch." + d.name(), d.partitions(), d.replicationFactor(),
                        d.configs(), d.description(), false))
                .toList();
        String requests = "mismatch." + Topics.REQUESTS;
        admin.createTopics(List.of(new NewTopic(requests, 2, (short) 1))).all().get(10, TimeUnit.SECONDS);

        TopicAdmin.Report report = TopicAdmin.ensure(admin, renamed, SINGLE_NODE, TIMEOUT);

        assertTrue(!report.created().contains(requests), report.created().toString());
        assertTrue(report.problems().stream().anyMatch(p -> p.startsWith(requests + ": has 2 partitions")),
                report.problems().toString());
        assertTrue(report.problems().stream().anyMatch(p -> p.startsWith(requests + ": config cleanup.policy")
                        || p.startsWith(requests + ": config retention.ms")),
                report.problems().toString());
        assertEquals(2, admin.describeTopics(List.of(requests)).allTopicNames().get(10, TimeUnit.SECONDS)
                .get(requests).partitions().size(), "ensure never alters a topic");
    }
}
