package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.maverick.kafka.MessageHeaders;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.KafkaResource;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tool calls through Kafka: the event-driven API's {@code tool_call} events and {@code final.tool_calls}, and an
 * OpenAI SDK client in queued mode, whose rendered prompt travels with its {@code tool_use} settings.
 */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class QueuedToolCallsTest {

    private static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]";

    @TestHTTPResource("/v1")
    URL v1;

    private static void send(String id, boolean stream, String replyTopic) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaResource.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            ProducerRecord<String, String> record = new ProducerRecord<>(KafkaQueue.REQUESTS, id,
                    "{\"version\":1,\"request_id\":\"" + id + "\",\"created_at\":" + System.currentTimeMillis()
                            + ",\"kind\":\"chat\",\"request\":{\"model\":\"llama-4-maverick\",\"stream\":" + stream
                            + ",\"tools\":" + TOOLS + ",\"messages\":[{\"role\":\"user\",\"content\":"
                            + "\"Weather? [standin:tool_call=parallel]\"}]}}");
            record.headers().add(MessageHeaders.REPLY_TOPIC, replyTopic.getBytes(StandardCharsets.UTF_8));
            record.headers().add(MessageHeaders.CALLER, "billing-service".getBytes(StandardCharsets.UTF_8));
            producer.send(record);
        }
    }

    /** The request's events, read from the start of the topic until its final event. */
    private static List<JsonNode> events(String topic, String id) throws Exception {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<JsonNode> found = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (id.equals(r.key())) {
                        JsonNode e = Sse.JSON.readTree(r.value());
                        found.add(e);
                        if (e.path("type").asText().equals("final")) {
                            return found;
                        }
                    }
                }
            }
            fail("no final event for " + id + "; saw " + found);
            return found;
        }
    }

    @Test
    void aStreamingKafkaRequestGetsToolCallEventsThenFinal() throws Exception {
        String id = "tools-" + UUID.randomUUID();
        send(id, true, KafkaQueue.EVENTS);
        List<JsonNode> events = events(KafkaQueue.EVENTS, id);
        List<JsonNode> calls = events.stream().filter(e -> e.path("type").asText().equals("tool_call")).toList();
        assertEquals(2, calls.size(), events.toString());
        assertEquals("get_weather", calls.get(0).path("tool_call").path("function").path("name").asText());
        assertEquals(1, calls.get(1).path("tool_call").path("index").asInt());
        assertEquals("{\"city\":\"Zürich\"}", calls.get(1).path("tool_call").path("function").path("arguments").asText());
        JsonNode last = events.get(events.size() - 1);
        assertEquals("tool_calls", last.path("finish_reason").asText(), last.toString());
        assertTrue(events.stream().noneMatch(e -> e.path("type").asText().equals("token")), events.toString());
    }

    @Test
    void aNonStreamingKafkaRequestGetsItsCallsInTheFinalEvent() throws Exception {
        String id = "tools-" + UUID.randomUUID();
        send(id, false, KafkaQueue.EVENTS);
        List<JsonNode> events = events(KafkaQueue.EVENTS, id);
        assertEquals(1, events.size(), events.toString());
        JsonNode calls = events.get(0).path("tool_calls");
        assertEquals(2, calls.size(), events.toString());
        assertTrue(calls.get(0).path("id").asText().startsWith("call_"));
        assertEquals("tool_calls", events.get(0).path("finish_reason").asText());
    }

    @Test
    void anSdkClientInQueuedModeGetsTheSameCalls() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("x").maxRetries(0).build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("llama-4-maverick")
                .addUserMessage("Weather? [standin:tool_call=parallel]")
                .addTool(org.maverick.gateway.api.ToolCallingTestTools.tool("get_weather"))
                .addTool(org.maverick.gateway.api.ToolCallingTestTools.tool("get_time")).build();
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion streamed = acc.chatCompletion();
        List<String> names = streamed.choices().get(0).message().toolCalls().orElseThrow().stream()
                .map(ChatCompletionMessageToolCall::asFunction).map(f -> f.function().name()).toList();
        assertEquals(List.of("get_weather", "get_time"), names);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, streamed.choices().get(0).finishReason());
        ChatCompletion whole = client.chat().completions().create(params);
        assertEquals(2, whole.choices().get(0).message().toolCalls().orElseThrow().size());
    }
}
