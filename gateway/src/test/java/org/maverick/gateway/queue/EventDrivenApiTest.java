package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.KafkaResource;
import org.maverick.gateway.support.Pictures;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Event-driven services: a request record in, token and final events out, no HTTP anywhere. */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class EventDrivenApiTest {

    private KafkaProducer<String, String> producer;

    @BeforeEach
    void producer() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers()),
                new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void close() {
        producer.close();
    }

    private void send(String topic, String key, String value, String replyTopic) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        if (replyTopic != null) {
            record.headers().add(MessageHeaders.REPLY_TOPIC, replyTopic.getBytes(StandardCharsets.UTF_8));
        }
        record.headers().add(MessageHeaders.CALLER, "billing-service".getBytes(StandardCharsets.UTF_8));
        producer.send(record);
        producer.flush();
    }

    private static String request(String id, boolean stream, String content) {
        return "{\"version\":1,\"request_id\":\"" + id + "\",\"created_at\":" + System.currentTimeMillis()
                + ",\"deadline_at\":null,\"kind\":\"chat\",\"request\":{\"model\":\"llama-4-maverick\",\"stream\":" + stream
                + ",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}}";
    }

    /** Reads a topic from the start until a record with the key satisfies {@code last}. */
    private static List<ConsumerRecord<String, String>> read(String topic, String key,
                                                             Predicate<ConsumerRecord<String, String>> last) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> found = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found.add(r);
                        if (last.test(r)) {
                            return found;
                        }
                    }
                }
            }
            fail("no final record for " + key + " in " + topic + "; saw " + found.size());
            return found;
        }
    }

    private static JsonNode json(ConsumerRecord<String, String> r) {
        try {
            return Sse.JSON.readTree(r.value());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean terminal(ConsumerRecord<String, String> r) {
        return !"token".equals(json(r).path("type").asText());
    }

    @Test
    void aStreamingRequestGetsTokenEventsThenAFinalEventOnTheEventsTopic() {
        String id = "evt-" + UUID.randomUUID();
        send(KafkaQueue.REQUESTS, id, request(id, true, "Hello from Kafka [standin:length=20]"), null);
        List<ConsumerRecord<String, String>> events = read(KafkaQueue.EVENTS, id, EventDrivenApiTest::terminal);
        JsonNode last = json(events.get(events.size() - 1));
        assertEquals("final", last.path("type").asText(), last.toString());
        assertEquals("stop", last.path("finish_reason").asText());
        assertTrue(last.path("usage").path("completion_tokens").asInt() > 0, last.toString());
        assertTrue(events.size() >= 3, "tokens then final, coalesced: " + events.size());
        long seq = -1;
        StringBuilder text = new StringBuilder();
        for (ConsumerRecord<String, String> r : events) {
            JsonNode e = json(r);
            assertEquals(1, e.path("version").asInt());
            assertEquals(1, e.path("attempt").asInt());
            assertTrue(e.path("seq").asLong() > seq, "seq increases");
            seq = e.path("seq").asLong();
            text.append(e.path("text").asText(""));
        }
        assertFalse(text.toString().isBlank());
    }

    @Test
    void aNonStreamingRequestGetsOneFinalEventWithTheWholeText() {
        String id = "evt-" + UUID.randomUUID();
        String replies = "maverick.generation.events";
        send(KafkaQueue.REQUESTS, id, request(id, false, "Whole please [standin:length=15]"), replies);
        List<ConsumerRecord<String, String>> events = read(replies, id, EventDrivenApiTest::terminal);
        assertEquals(1, events.size(), "only the final event");
        JsonNode e = json(events.get(0));
        assertEquals("final", e.path("type").asText());
        assertFalse(e.path("text").asText().isBlank(), e.toString());
    }

    @Test
    void anInvalidRequestGetsAnErrorEventAndGoesToTheDeadLetterTopic() {
        String id = "evt-" + UUID.randomUUID();
        JsonNode error = terminalEventOf(id,
                "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}");
        assertEquals("error", error.path("type").asText());
        assertEquals(400, error.path("error").path("status").asInt());
        assertTrue(error.path("error").path("message").asText().contains("messages[0].role"), error.toString());
        ConsumerRecord<String, String> dead = read(KafkaQueue.DLQ, id, r -> true).get(0);
        assertNotNull(dead.headers().lastHeader(MessageHeaders.DLQ_REASON));
        assertTrue(new String(dead.headers().lastHeader(MessageHeaders.DLQ_REASON).value(), StandardCharsets.UTF_8)
                .contains("invalid_value"));
    }

    /** Puts a chat request record carrying {@code openAiRequest} on the requests topic; returns its terminal event. */
    private JsonNode terminalEventOf(String id, String openAiRequest) {
        send(KafkaQueue.REQUESTS, id, "{\"version\":1,\"request_id\":\"" + id + "\",\"created_at\":1,\"kind\":\"chat\","
                + "\"request\":" + openAiRequest + "}", null);
        return json(read(KafkaQueue.EVENTS, id, EventDrivenApiTest::terminal).get(0));
    }

    /**
     * A plain chat record with a picture (a data: URI): the worker checks it as the HTTP edge does and the
     * stand-in, which answers with what reached it under [standin:images], sees it.
     */
    @Test
    void aChatRecordWithAPictureIsCheckedAndReachesTheEngine() {
        String id = "evt-" + UUID.randomUUID();
        JsonNode done = terminalEventOf(id, Pictures.chat("What is this? [standin:images]",
                "\"stream\":false,\"max_tokens\":50", Pictures.dataUri(Pictures.png(64, 48))));
        assertEquals("final", done.path("type").asText(), done.toString());
        assertEquals("1 image: 64x48 image/png.", done.path("text").asText(), done.toString());
        // A one-tile picture is 147 prompt tokens on top of the text: counted as on the HTTP edge.
        assertTrue(done.path("usage").path("prompt_tokens").asInt() > 147, done.toString());
    }

    @Test
    void aRecordWithAPictureThatIsNotOneGetsAnErrorNamingThePartAndIsDeadLettered() {
        String id = "evt-" + UUID.randomUUID();
        long started = StandInResource.standIn().counters().started();
        String notAPicture = "data:image/png;base64,"
                + java.util.Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
        JsonNode error = terminalEventOf(id, Pictures.chat("What is this?", "", notAPicture));
        assertEquals("error", error.path("type").asText(), error.toString());
        assertEquals(400, error.path("error").path("status").asInt(), error.toString());
        assertEquals("unsupported_image_format", error.path("error").path("code").asText(), error.toString());
        assertTrue(error.path("error").path("message").asText().contains("messages[0].content[1].image_url"),
                error.toString());
        assertEquals(started, StandInResource.standIn().counters().started(), "nothing ran");
        ConsumerRecord<String, String> dead = read(KafkaQueue.DLQ, id, r -> true).get(0);
        assertTrue(new String(dead.headers().lastHeader(MessageHeaders.DLQ_REASON).value(), StandardCharsets.UTF_8)
                .contains("unsupported_image_format"));
    }

    /** Kafka callers get the HTTP edge's strict types: a string where OpenAI has a boolean is refused, naming the field. */
    @Test
    void aRequestWithAStringForABooleanIsRefusedNamingTheField() {
        String id = "evt-" + UUID.randomUUID();
        long started = StandInResource.standIn().counters().started();
        JsonNode error = terminalEventOf(id,
                "{\"model\":\"llama-4-maverick\",\"stream\":\"true\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals("error", error.path("type").asText());
        assertEquals(400, error.path("error").path("status").asInt());
        assertTrue(error.path("error").path("message").asText().contains("stream"), error.toString());
        assertEquals("invalid_type", error.path("error").path("code").asText(), error.toString());
        assertEquals(started, StandInResource.standIn().counters().started(), "nothing ran");
    }

    @Test
    void aPoisonRecordGoesToTheDeadLetterTopicAndConsumptionGoesOn() {
        String poison = "poison-" + UUID.randomUUID();
        send(KafkaQueue.REQUESTS, poison, "{not json", null);
        ConsumerRecord<String, String> dead = read(KafkaQueue.DLQ, poison, r -> true).get(0);
        assertEquals("{not json", dead.value());
        assertEquals(KafkaQueue.REQUESTS, new String(dead.headers().lastHeader(MessageHeaders.DLQ_TOPIC).value(),
                StandardCharsets.UTF_8));
        // the worker is still consuming
        String id = "evt-" + UUID.randomUUID();
        send(KafkaQueue.REQUESTS, id, request(id, true, "Still alive [standin:length=5]"), null);
        List<ConsumerRecord<String, String>> events = read(KafkaQueue.EVENTS, id, EventDrivenApiTest::terminal);
        assertEquals("final", json(events.get(events.size() - 1)).path("type").asText());
    }

    @Test
    void anExpiredRequestIsNotRunAndReportedExpired() {
        String id = "evt-" + UUID.randomUUID();
        long started = StandInResource.standIn().counters().started();
        String expired = "{\"version\":1,\"request_id\":\"" + id + "\",\"created_at\":1,\"deadline_at\":2,\"kind\":\"chat\","
                + "\"request\":{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"late\"}]}}";
        send(KafkaQueue.REQUESTS, id, expired, null);
        JsonNode e = json(read(KafkaQueue.EVENTS, id, EventDrivenApiTest::terminal).get(0));
        assertEquals("expired", e.path("type").asText());
        assertEquals(started, StandInResource.standIn().counters().started());
    }

    @Test
    void aRequestSentTwiceRunsOnce() {
        String id = "evt-" + UUID.randomUUID();
        send(KafkaQueue.REQUESTS, id, request(id, true, "Once [standin:length=5]"), null);
        read(KafkaQueue.EVENTS, id, EventDrivenApiTest::terminal);
        long started = StandInResource.standIn().counters().started();
        send(KafkaQueue.REQUESTS, id, request(id, true, "Once [standin:length=5]"), null);
        // a later request proves the duplicate was consumed (same partition order is not guaranteed, so wait a bit)
        String probe = "evt-" + UUID.randomUUID();
        send(KafkaQueue.REQUESTS, probe, request(probe, true, "Probe [standin:length=3]"), null);
        read(KafkaQueue.EVENTS, probe, EventDrivenApiTest::terminal);
        long finals = read(KafkaQueue.EVENTS, id, EventDrivenApiTest::terminal).stream()
                .filter(EventDrivenApiTest::terminal).count();
        assertEquals(1, finals);
        assertEquals(started + 1, StandInResource.standIn().counters().started(), "only the probe ran");
    }
}
