package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.generation.Generation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrevalidatedRequestsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CREATED = 1_767_225_600_123L;
    private static final long DEADLINE = CREATED + 600_000;

    private final PrevalidatedRequests instanceA = new PrevalidatedRequests(new Signer(Optional.of("shared")), JSON);
    private final PrevalidatedRequests instanceB = new PrevalidatedRequests(new Signer(Optional.of("shared")), JSON);

    private static Generation generation() {
        return new Generation("chatcmpl-abc", "llama-4-maverick", Generation.Kind.CHAT,
                "<|header_start|>user<|header_end|>\n\nHé, \"quoted\" ünïcode 🙂<|eot|>", 17, true,
                new Generation.Sampling(64, 0.7, 0.95, 0.1, -0.25, OptionalLong.of(42)), List.of("\n\n", "END"),
                true, true, CREATED / 1000, Generation.Dispatch.QUEUED, "tenant-a");
    }

    private static Messages.Request read(byte[] value) throws Exception {
        return JSON.readValue(value, Messages.Request.class);
    }

    @Test
    void anotherInstanceWithTheSameSecretTrustsTheGenerationAsSigned() throws Exception {
        Messages.Request request = read(instanceA.encode(generation(), CREATED, DEADLINE));
        assertEquals(PrevalidatedRequests.KIND, request.kind());
        Generation g = instanceB.verify(request).orElseThrow();
        Generation sent = generation();
        assertEquals(sent.requestId(), g.requestId());
        assertEquals(sent.prompt(), g.prompt());
        assertEquals(sent.promptTokens(), g.promptTokens());
        assertEquals(sent.exactTokens(), g.exactTokens());
        assertEquals(sent.sampling(), g.sampling());
        assertEquals(sent.stop(), g.stop());
        assertEquals(sent.caller(), g.caller());
        assertEquals(Generation.Kind.CHAT, g.kind());
        assertEquals(Generation.Dispatch.DIRECT, g.dispatch(), "a worker runs it straight on Triton");
        assertTrue(g.stream(), "a worker always streams events");
    }

    @Test
    void fieldOrderOnTheWireDoesNotMatter() throws Exception {
        ObjectNode value = (ObjectNode) JSON.readTree(instanceA.encode(generation(), CREATED, DEADLINE));
        ObjectNode reordered = JSON.createObjectNode();
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        value.get("generation").fields().forEachRemaining(fields::add);
        Collections.reverse(fields);
        fields.forEach(e -> reordered.set(e.getKey(), e.getValue()));
        value.set("generation", reordered);
        assertTrue(instanceB.verify(JSON.treeToValue(value, Messages.Request.class)).isPresent());
    }

    @Test
    void withoutSignatureNoRequestIsTrusted() throws Exception {
        assertUntrusted(v -> v.remove("signature"));
        assertUntrusted(v -> v.put("signature", "not base64 at all!"));
        assertUntrusted(v -> v.put("signature", "AAAA"));
    }

    @Test
    void anyChangeToWhatWasSignedBreaksTheSignature() throws Exception {
        assertUntrusted(v -> ((ObjectNode) v.get("generation")).put("prompt", "something else"));
        assertUntrusted(v -> ((ObjectNode) v.get("generation")).put("caller", "tenant-b"));
        assertUntrusted(v -> ((ObjectNode) v.get("generation")).put("prompt_tokens", 1));
        assertUntrusted(v -> ((ObjectNode) v.get("generation")).put("max_tokens", 100_000));
        assertUntrusted(v -> ((ObjectNode) v.get("generation")).remove("stop"));
        assertUntrusted(v -> v.put("request_id", "chatcmpl-other"));
        assertUntrusted(v -> v.put("deadline_at", DEADLINE + 1));
        assertUntrusted(v -> v.put("created_at", CREATED - 1));
    }

    @Test
    void aDifferentSecretIsNotTrusted() throws Exception {
        PrevalidatedRequests stranger = new PrevalidatedRequests(new Signer(Optional.of("other")), JSON);
        assertFalse(stranger.verify(read(instanceA.encode(generation(), CREATED, DEADLINE))).isPresent());
        PrevalidatedRequests randomKey = new PrevalidatedRequests(new Signer(Optional.empty()), JSON);
        assertFalse(randomKey.verify(read(instanceA.encode(generation(), CREATED, DEADLINE))).isPresent());
    }

    @Test
    void anUnknownFormVersionIsNotTrusted() throws Exception {
        assertUntrusted(v -> ((ObjectNode) v.get("generation")).put("version", 2));
    }

    @Test
    void anUntrustedRecordBecomesAPlainCompletionToValidateAgain() throws Exception {
        JsonNode plain = instanceA.asPlainCompletion(read(instanceA.encode(generation(), CREATED, DEADLINE)));
        assertEquals("llama-4-maverick", plain.get("model").asText());
        assertEquals(generation().prompt(), plain.get("prompt").asText());
        assertEquals(64, plain.get("max_tokens").asInt());
        assertEquals(0.7, plain.get("temperature").asDouble());
        assertEquals(42, plain.get("seed").asLong());
        assertEquals(List.of("\n\n", "END"), List.of(plain.get("stop").get(0).asText(), plain.get("stop").get(1).asText()));
        assertTrue(plain.get("stream").asBoolean());
    }

    @Test
    void aRecordWithoutAGenerationIsUnreadable() throws Exception {
        ObjectNode value = (ObjectNode) JSON.readTree(instanceA.encode(generation(), CREATED, DEADLINE));
        value.remove("generation");
        Messages.Request request = JSON.treeToValue(value, Messages.Request.class);
        assertThrows(IllegalArgumentException.class, () -> instanceB.verify(request));
        value.put("generation", "text");
        Messages.Request textual = JSON.treeToValue(value, Messages.Request.class);
        assertThrows(IllegalArgumentException.class, () -> instanceB.verify(textual));
    }

    private void assertUntrusted(Consumer<ObjectNode> change) throws Exception {
        ObjectNode value = (ObjectNode) JSON.readTree(instanceA.encode(generation(), CREATED, DEADLINE));
        change.accept(value);
        assertFalse(instanceB.verify(JSON.treeToValue(value, Messages.Request.class)).isPresent(), value.toString());
    }

    @Test
    void toolsAndPicturesTravelSignedToo() throws Exception {
        var tools = new org.maverick.gateway.generation.ToolUse(
                new java.util.LinkedHashMap<>(Map.of("get_weather", "get-weather", "b_tool", "b_tool", "a_tool", "a_tool")),
                "[", false, Map.of("get-weather", "{\"type\":\"object\"}"));
        Generation g = new Generation("chatcmpl-img", "llama-4-maverick", Generation.Kind.CHAT,
                "<|header_start|>user<|header_end|>\n\n<|image|>What is this?<|eot|>", 200, true,
                new Generation.Sampling(16, 0, 1, 0, 0, OptionalLong.empty()), List.of(), true, false, 1L,
                Generation.Dispatch.QUEUED, "tenant-a", tools, List.of("data:image/png;base64,iVBORw0KGgo="));
        Messages.Request request = read(instanceA.encode(g, CREATED, DEADLINE));
        Generation read = instanceB.verify(request).orElseThrow();
        assertEquals(tools, read.tools());
        assertEquals(g.images(), read.images());
        assertUntrustedAfter(g, v -> ((ObjectNode) v.get("generation")).putArray("images").add("data:image/png;base64,AAAA"));
        assertUntrustedAfter(g, v -> ((ObjectNode) v.get("generation").get("tool_use")).put("prefill", ""));
    }

    private void assertUntrustedAfter(Generation g, Consumer<ObjectNode> change) throws Exception {
        ObjectNode value = (ObjectNode) JSON.readTree(instanceA.encode(g, CREATED, DEADLINE));
        change.accept(value);
        assertFalse(instanceB.verify(JSON.treeToValue(value, Messages.Request.class)).isPresent(), value.toString());
    }
}
