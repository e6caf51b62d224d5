package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.protocol.ChatCompletionRequest;
import org.maverick.gateway.protocol.CompletionRequest;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.Llama4ChatTemplate;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire-to-domain step on its own: defaults, template, limits and the special-token policy. */
class RequestValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static RequestValidator validator(Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(settings);
        values.put("gateway.triton.endpoint", "triton:8001");
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build().getConfigMapping(GatewayConfig.class);
        return new RequestValidator(config, new Llama4ChatTemplate(config.prompt().writeBos()), new EstimatingCounter());
    }

    private static ChatCompletionRequest chat(String json) throws Exception {
        return JSON.readValue(json, ChatCompletionRequest.class);
    }

    @Test
    void appliesTheTemplateAndTheCheckpointDefaults() throws Exception {
        Generation g = validator(Map.of()).chat(chat("{\"model\":\"llama-4-maverick\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"A\"},"
                + "{\"type\":\"text\",\"text\":\"B\"}]}]}"), "chatcmpl-1", 5);
        assertEquals("<|header_start|>system<|header_end|>\n\nS<|eot|><|header_start|>user<|header_end|>\n\nAB<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\n", g.prompt());
        assertEquals(0.6, g.sampling().temperature());
        assertEquals(0.9, g.sampling().topP());
        assertEquals(4096, g.sampling().maxTokens());
        assertFalse(g.stream());
        assertFalse(g.exactTokens());
        assertTrue(g.promptTokens() > 0);
        assertEquals(List.of(), g.stop());
    }

    @Test
    void writesBosOnlyWhenConfigured() throws Exception {
        Generation g = validator(Map.of("gateway.prompt.write-bos", "true")).chat(chat(
                "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "id", 0);
        assertTrue(g.prompt().startsWith("<|begin_of_text|><|header_start|>user"), g.prompt());
    }

    @Test
    void stripPolicyRemovesSpecialTokensFromContent() throws Exception {
        Generation g = validator(Map.of("gateway.prompt.special-tokens", "strip")).chat(chat(
                "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"a<|eot|>b\"}]}"), "id", 0);
        assertTrue(g.prompt().contains("\n\nab<|eot|>"), g.prompt());
    }

    @Test
    void rejectPolicyNamesTheMessage() {
        GatewayException.InvalidRequest e = assertThrows(GatewayException.InvalidRequest.class,
                () -> validator(Map.of()).chat(chat("{\"model\":\"llama-4-maverick\",\"messages\":["
                        + "{\"role\":\"user\",\"content\":\"ok\"},{\"role\":\"assistant\",\"content\":\"<|python_start|>\"}]}"),
                        "id", 0));
        assertEquals("messages[1].content", e.param().orElseThrow());
    }

    @Test
    void maxCompletionTokensWinsOverMaxTokens() throws Exception {
        Generation g = validator(Map.of()).chat(chat("{\"model\":\"llama-4-maverick\",\"max_tokens\":10,"
                + "\"max_completion_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "id", 0);
        assertEquals(20, g.sampling().maxTokens());
    }

    @Test
    void defaultMaxTokensShrinksToTheContextLeft() throws Exception {
        Generation g = validator(Map.of("gateway.model.context-length", "100")).chat(chat(
                "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "id", 0);
        assertEquals(100 - g.promptTokens(), g.sampling().maxTokens());
    }

    @Test
    void explicitMaxTokensBeyondTheContextIsRefused() {
        GatewayException.InvalidRequest e = assertThrows(GatewayException.InvalidRequest.class,
                () -> validator(Map.of("gateway.model.context-length", "100")).chat(chat(
                        "{\"model\":\"llama-4-maverick\",\"max_tokens\":99,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                        "id", 0));
        assertEquals("context_length_exceeded", e.code());
        assertEquals("max_tokens", e.param().orElseThrow());
    }

    @Test
    void rolesMapToLlamaRoles() throws Exception {
        Generation g = validator(Map.of()).chat(chat("{\"model\":\"llama-4-maverick\",\"messages\":["
                + "{\"role\":\"developer\",\"content\":\"D\"},{\"role\":\"user\",\"content\":\"U\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"content\":\"T\",\"tool_call_id\":\"c1\"}]}"), "id", 0);
        assertTrue(g.prompt().startsWith("<|header_start|>system<|header_end|>\n\nD<|eot|>"), g.prompt());
        assertTrue(g.prompt().contains("<|header_start|>ipython<|header_end|>\n\nT<|eot|>"), g.prompt());
    }

    @Test
    void completionPromptKeepsSpecialTokensButNeverADoubledBos() throws Exception {
        Generation g = validator(Map.of()).completion(JSON.readValue("{\"model\":\"llama-4-maverick\","
                + "\"prompt\":\"<|begin_of_text|>Hello<|eot|>\",\"stop\":\"x\"}", CompletionRequest.class), "cmpl-1", 0);
        assertEquals("Hello<|eot|>", g.prompt());
        assertEquals(List.of("x"), g.stop());
        assertEquals(Generation.Kind.COMPLETION, g.kind());
    }
}
