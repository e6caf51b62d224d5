package org.maverick.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.kafka.Topics;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The background runs' aggregation and the global store, on Kafka Streams' own test driver. */
class BackgroundAggregatorTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ID = "resp_abc";

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> responses;
    TestInputTopic<String, byte[]> events;
    TestOutputTopic<String, byte[]> written;
    final Map<Integer, Long> applied = new ConcurrentHashMap<>();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("aggregator").toString());
        driver = new TopologyTestDriver(ResponseStore.topology(JSON, GatewayMetrics.of(registry), Duration.ofDays(30),
                applied), p);
        responses = driver.createInputTopic(Topics.RESPONSES, new StringSerializer(), new ByteArraySerializer());
        events = driver.createInputTopic(Topics.RESPONSE_EVENTS, new StringSerializer(), new ByteArraySerializer());
        written = driver.createOutputTopic(Topics.RESPONSES, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    void stored(String status) throws Exception {
        ObjectNode response = JSON.createObjectNode();
        response.put("id", ID).put("object", "response").put("status", status).putArray("output");
        response.putNull("usage");
        responses.pipeInput(ID, JSON.writeValueAsBytes(new StoredResponse(1, ID, "alpha", 1000, 2000, true, null,
                List.of(), response)));
    }

    void event(long seq, int attempt, String type, String text) throws Exception {
        event(new Messages.Event(1, ID, seq, attempt, type, text, Messages.Event.FINAL.equals(type) ? "stop" : null,
                Messages.Event.FINAL.equals(type) ? new UsageDto(5, 3, 8) : null, null, seq));
    }

    void event(Messages.Event e) throws Exception {
        events.pipeInput(ID, JSON.writeValueAsBytes(e));
    }

    List<JsonNode> writes() throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (byte[] v : written.readValuesToList()) {
            out.add(JSON.readTree(v));
        }
        return out;
    }

    @Test
    void aRunIsInProgressAtItsFirstEventAndWholeAtItsLast() throws Exception {
        stored("queued");
        event(0, 1, Messages.Event.TOKEN, "Hel");
        event(1, 1, Messages.Event.TOKEN, "lo");
        event(2, 1, Messages.Event.FINAL, "!");
        List<JsonNode> w = writes();
        assertEquals(2, w.size(), "in_progress, then the end: " + w);
        assertEquals("in_progress", w.get(0).path("response").path("status").asText());
        JsonNode done = w.get(1).path("response");
        assertEquals("completed", done.path("status").asText());
        assertEquals("Hello!", done.path("output").get(0).path("content").get(0).path("text").asText());
        assertEquals("msg_abc_0", done.path("output").get(0).path("id").asText(), "ids derived from the response id");
        assertEquals(3, done.path("usage").path("output_tokens").asInt());
        assertEquals("alpha", w.get(1).path("tenant").asText(), "the rest of the record is kept");
        assertEquals(1.0, registry.get(GatewayMetrics.BACKGROUND_RUNS).tag("maverick.outcome", "completed").counter()
                .count());
    }

    @Test
    void aRepeatedEventIsAppliedOnceAndATakeoverContinuesTheText() throws Exception {
        stored("queued");
        event(0, 1, Messages.Event.TOKEN, "A");
        event(0, 1, Messages.Event.TOKEN, "A"); // read again after a restart
        event(1, 2, Messages.Event.TOKEN, "B"); // the next attempt continues the numbering
        event(2, 2, Messages.Event.FINAL, null);
        List<JsonNode> w = writes();
        assertEquals("AB", w.get(w.size() - 1).path("response").path("output").get(0).path("content").get(0)
                .path("text").asText());
    }

    @Test
    void callsAreItemsOfTheirOwnBetweenRunsOfText() throws Exception {
        stored("queued");
        event(0, 1, Messages.Event.TOKEN, "Let me look.");
        event(new Messages.Event(1, ID, 1, 1, Messages.Event.TOOL_CALL, null, null, null, null, 1,
                new Messages.ToolCallBody(0, "call_1", "function", new Messages.FunctionBody("get_weather",
                        "{\"city\":\"Paris\"}")), null));
        event(2, 1, Messages.Event.FINAL, null);
        JsonNode output = writes().get(1).path("response").path("output");
        assertEquals(2, output.size());
        assertEquals("message", output.get(0).path("type").asText());
        assertEquals("function_call", output.get(1).path("type").asText());
        assertEquals("fc_abc_1", output.get(1).path("id").asText());
        assertEquals("call_1", output.get(1).path("call_id").asText());
    }

    @Test
    void aCancelledResponseStaysCancelledWhateverTheRunsEnd() throws Exception {
        stored("cancelled"); // POST …/cancel wrote this before the worker's last event
        event(0, 1, Messages.Event.TOKEN, "partial");
        event(1, 1, Messages.Event.FINAL, null);
        List<JsonNode> w = writes();
        assertEquals(1, w.size(), "no in_progress over a cancelled response: " + w);
        assertEquals("cancelled", w.get(0).path("response").path("status").asText());
        assertEquals("partial", w.get(0).path("response").path("output").get(0).path("content").get(0)
                .path("text").asText());
    }

    @Test
    void aFailedRunCarriesItsError() throws Exception {
        stored("queued");
        event(new Messages.Event(1, ID, 0, 1, Messages.Event.ERROR, null, null, null,
                new Messages.ErrorBody("Triton failed", "server_error", "backend_error", 502), 0));
        JsonNode failed = writes().get(1).path("response");
        assertEquals("failed", failed.path("status").asText());
        assertEquals("Triton failed", failed.path("error").path("message").asText());
        assertEquals(0, failed.path("output").size());
    }

    @Test
    void theGlobalStoreRecordsHowFarEachPartitionWasApplied() throws Exception {
        stored("queued");
        stored("in_progress");
        assertTrue(applied.values().stream().anyMatch(o -> o >= 1), applied.toString());
    }
}
