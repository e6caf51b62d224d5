package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.Llama4ChatTemplate;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.PrevalidatedRequests;
import org.maverick.gateway.queue.Signer;
import org.maverick.gateway.request.RequestValidator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request record read and turned into a generation, as the worker does before running it. */
class RequestReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static RequestReader reader() throws Exception {
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(Map.of("gateway.triton.endpoint", "triton:8001")).build()
                .getConfigMapping(GatewayConfig.class);
        Constructor<RequestValidator> c = RequestValidator.class.getDeclaredConstructor(GatewayConfig.class,
                Llama4ChatTemplate.class, TokenCounter.class);
        c.setAccessible(true);
        return new RequestReader(c.newInstance(config, new Llama4ChatTemplate(false), new EstimatingCounter()),
                new PrevalidatedRequests(new Signer(Optional.of("shared")), JSON), JSON);
    }

    private static String request(String id, String kind, String body) {
        return "{\"version\":1,\"request_id\":" + (id == null ? "null" : "\"" + id + "\"")
                + ",\"created_at\":1767225600000,\"kind\":" + (kind == null ? "null" : "\"" + kind + "\"")
                + (body == null ? "" : ",\"request\":" + body) + ",\"a_later_field\":true}";
    }

    private static Messages.Request read(String key, String value) throws Exception {
        return reader().read(Records.record(KafkaQueue.REQUESTS, 0, 0, key, value));
    }

    @Test
    void readsARequestIgnoringFieldsItDoesNotKnow() throws Exception {
        Messages.Request r = read("r-1", request("r-1", "chat", CHAT));
        assertEquals("r-1", r.requestId());
        assertEquals("chat", r.kind());
        assertEquals(1767225600000L, r.createdAt());
        assertEquals("llama-4-maverick", r.request().path("model").asText());
    }

    @Test
    void aRecordWithoutKeyIsReadToo() throws Exception {
        assertEquals("r-1", read(null, request("r-1", "chat", CHAT)).requestId());
    }

    @Test
    void aValueThatIsNotJsonIsUnreadable() {
        assertThrows(IOException.class, () -> read("r-1", "{not json"));
    }

    @Test
    void requiredFieldsMustBeThere() {
        for (String value : new String[] {request(null, "chat", CHAT), request(" ", "chat", CHAT),
                request("r-1", null, CHAT), request("r-1", "chat", null)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(null, value), value);
            assertTrue(e.getMessage().endsWith("required"), e.getMessage());
        }
    }

    @Test
    void theKeyMustBeTheRequestId() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> read("other", request("r-1", "chat", CHAT)));
        assertTrue(e.getMessage().contains("'other'") && e.getMessage().contains("'r-1'"), e.getMessage());
    }

    @Test
    void aChatRequestIsRenderedForTheCallerAndRunsDirectly() throws Exception {
        RequestReader.Resolved resolved = reader().generation(read("r-1", request("r-1", "chat", CHAT)), "billing");
        assertFalse(resolved.trusted(), "a plain request is never trusted: the worker admits it");
        Generation g = resolved.generation();
        assertEquals("r-1", g.requestId());
        assertEquals("billing", g.caller());
        assertEquals(Generation.Dispatch.DIRECT, g.dispatch());
        assertEquals(Generation.Kind.CHAT, g.kind());
        assertEquals(1767225600L, g.createdEpochSeconds());
        assertTrue(g.prompt().contains("<|header_start|>user<|header_end|>\n\nhi<|eot|>"), g.prompt());
    }

    @Test
    void aCompletionRequestKeepsItsRawPrompt() throws Exception {
        Generation g = reader().generation(read("r-2", request("r-2", "completion",
                "{\"model\":\"llama-4-maverick\",\"prompt\":\"Once upon\"}")), "anonymous").generation();
        assertEquals(Generation.Kind.COMPLETION, g.kind());
        assertEquals("Once upon", g.prompt());
    }

    @Test
    void anUnknownKindIsRefusedNamingTheField() throws Exception {
        GatewayException.InvalidRequest e = assertThrows(GatewayException.InvalidRequest.class,
                () -> reader().generation(read("r-1", request("r-1", "embedding", CHAT)), "anonymous"));
        assertEquals("kind", e.param().orElseThrow());
        assertEquals(400, e.status());
    }

    @Test
    void anInvalidOpenAiRequestIsRefusedAsAnHttpClientWouldBe() throws Exception {
        GatewayException.InvalidRequest e = assertThrows(GatewayException.InvalidRequest.class,
                () -> reader().generation(read("r-1", request("r-1", "chat",
                        "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}")),
                        "anonymous"));
        assertTrue(e.param().orElseThrow().startsWith("messages[0].role"), e.param().toString());
    }

    private static byte[] signed(String secret, Generation g) {
        return new PrevalidatedRequests(new Signer(Optional.of(secret)), JSON).encode(g, 1767225600000L,
                1767226200000L);
    }

    private static Generation edgeGeneration() {
        return new Generation("r-9", "llama-4-maverick", Generation.Kind.CHAT,
                "<|header_start|>user<|header_end|>\n\nhi<|eot|><|header_start|>assistant<|header_end|>\n\n", 1234,
                true, new Generation.Sampling(32, 0.5, 1.0, 0, 0, java.util.OptionalLong.empty()), List.of(), true,
                false, 1767225600L, Generation.Dispatch.QUEUED, "tenant-a");
    }

    @Test
    void aSignedPrevalidatedRequestRunsAsTheEdgeCountedItForTheSignedCaller() throws Exception {
        var record = Records.record(KafkaQueue.REQUESTS, 0, 0, "r-9",
                new String(signed("shared", edgeGeneration()), StandardCharsets.UTF_8));
        RequestReader reader = reader();
        RequestReader.Resolved resolved = reader.generation(reader.read(record), "header-says-someone-else");
        assertTrue(resolved.trusted());
        assertEquals(1234, resolved.generation().promptTokens(), "not counted again");
        assertEquals("tenant-a", resolved.generation().caller(), "the signed caller outranks the header");
        assertEquals(Generation.Dispatch.DIRECT, resolved.generation().dispatch());
    }

    @Test
    void aPrevalidatedRequestWithAForeignSignatureIsValidatedInFullForTheHeadersCaller() throws Exception {
        var record = Records.record(KafkaQueue.REQUESTS, 0, 0, "r-9",
                new String(signed("someone else's secret", edgeGeneration()), StandardCharsets.UTF_8));
        RequestReader reader = reader();
        RequestReader.Resolved resolved = reader.generation(reader.read(record), "billing");
        assertFalse(resolved.trusted());
        assertEquals("billing", resolved.generation().caller());
        assertTrue(resolved.generation().promptTokens() != 1234, "counted again by the worker");
        assertEquals(Generation.Kind.COMPLETION, resolved.generation().kind(), "the rendered prompt as a raw completion");
    }

    @Test
    void aPrevalidatedRequestWithPicturesAndAForeignSignatureIsRefusedNamingThem() throws Exception {
        Generation g = edgeGeneration();
        Generation withPicture = new Generation(g.requestId(), g.modelId(), g.kind(), "<|image|>" + g.prompt(),
                g.promptTokens(), g.exactTokens(), g.sampling(), g.stop(), g.stream(), g.includeUsage(),
                g.createdEpochSeconds(), g.dispatch(), g.caller(), List.of("data:image/png;base64,iVBORw0KGgo="));
        var record = Records.record(KafkaQueue.REQUESTS, 0, 0, "r-9",
                new String(signed("someone else's secret", withPicture), StandardCharsets.UTF_8));
        RequestReader reader = reader();
        GatewayException.InvalidRequest e = assertThrows(GatewayException.InvalidRequest.class,
                () -> reader.generation(reader.read(record), "billing"));
        // As a plain completion its <|image|> would reach the engine without the picture.
        assertEquals("generation.images", e.param().orElseThrow());
    }

    @Test
    void aChatRequestWithAPictureIsRefusedByAReaderWithoutPictures() throws Exception {
        String body = "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]}]}";
        GatewayException.InvalidRequest e = assertThrows(GatewayException.InvalidRequest.class,
                () -> reader().generation(read("r-1", request("r-1", "chat", body)), "anonymous"));
        assertEquals("messages[0].content[0].image_url", e.param().orElseThrow());
    }

    @Test
    void aPrevalidatedRequestNeedsItsGeneration() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read("r-1",
                "{\"version\":1,\"request_id\":\"r-1\",\"created_at\":1,\"kind\":\"prevalidated\"}"));
        assertTrue(e.getMessage().contains("generation"), e.getMessage());
    }
}
