package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.Llama4ChatTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tool fields from the wire to the prompt: exact prompts in both styles (the expected files under
 * {@code tool-prompts/} were written with Python's {@code json.dumps}, independently of the gateway's JSON writer,
 * and Meta's system prompt copied from the Llama 4 prompt-format documentation), and every refusal naming its field.
 */
class ToolRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Get weather info for places\",\"parameters\":{\"type\":\"object\",\"properties\":"
            + "{\"city\":{\"type\":\"string\",\"description\":\"The city, e.g. Zürich\"},\"unit\":{\"type\":\"string\","
            + "\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"city\"]}}}";
    static final String RENDER = "{\"type\":\"function\",\"function\":{\"name\":\"3d-render\"}}";

    private static RequestValidator validator(String style) {
        Map<String, String> values = new HashMap<>();
        values.put("gateway.triton.endpoint", "triton:8001");
        values.put("gateway.tools.style", style);
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build().getConfigMapping(GatewayConfig.class);
        return new RequestValidator(config, new Llama4ChatTemplate(false), new EstimatingCounter());
    }

    private static Generation chat(String style, String body) {
        return validator(style).chat(JSON, body.getBytes(StandardCharsets.UTF_8), "chatcmpl-1", 1);
    }

    private static String expected(String file) throws IOException {
        try (InputStream in = ToolRequestTest.class.getResourceAsStream("/tool-prompts/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static GatewayException.InvalidRequest refused(String body) {
        return assertThrows(GatewayException.InvalidRequest.class, () -> chat("pythonic", body));
    }

    private static String body(String tools, String extra, String messages) {
        return "{\"model\":\"llama-4-maverick\"" + (tools == null ? "" : ",\"tools\":" + tools)
                + (extra == null ? "" : "," + extra) + ",\"messages\":" + messages + "}";
    }

    private static final String ASK = "[{\"role\":\"user\",\"content\":\"What is the weather in SF and Seattle?\"}]";

    @Test
    void pythonicPromptIsMetasZeroShotFormat() throws IOException {
        Generation g = chat("pythonic", body("[" + WEATHER + "]", null, ASK));
        assertEquals(expected("pythonic-one-tool.txt"), g.prompt());
        assertTrue(g.tools().enabled());
        assertEquals("", g.tools().prefill());
        assertEquals(Map.of("get_weather", "get_weather"), g.tools().callable());
        assertTrue(g.tools().parallel());
    }

    @Test
    void pythonicHistoryRoundTripWithAliasNamedChoiceAndOneCall() throws IOException {
        String messages = "[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Weather in Paris and Zürich?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + "\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"celsius\\\"}\"}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + "\"{\\\"city\\\":\\\"Zürich\\\",\\\"days\\\":2,\\\"exact\\\":true,\\\"extra\\\":null,"
                + "\\\"tags\\\":[\\\"a\\\",\\\"b\\\\\\\"c\\\"],\\\"nested\\\":{\\\"k\\\":1.5}}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"{\\\"temp\\\": 21}\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":[{\"type\":\"text\",\"text\":\"18 degrees\"}]},"
                + "{\"role\":\"assistant\",\"content\":\"Paris 21, Zürich 18.\"},"
                + "{\"role\":\"user\",\"content\":\"And render it.\"}]";
        Generation g = chat("pythonic", body("[" + WEATHER + "," + RENDER + "]",
                "\"parallel_tool_calls\":false,\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"3d-render\"}}",
                messages));
        assertEquals(expected("pythonic-history.txt"), g.prompt());
        assertEquals("[_3d_render(", g.tools().prefill());
        assertEquals(Map.of("_3d_render", "3d-render", "3d-render", "3d-render"), g.tools().callable(),
                "only the named tool is callable, under both spellings");
        assertFalse(g.tools().parallel());
    }

    @Test
    void jsonStyleIsTheCheckpointTemplateLayout() throws IOException {
        String messages = "[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"{\\\"temp\\\": 21}\"}]";
        Generation g = chat("json", body("[" + WEATHER + "]", "\"tool_choice\":\"required\"", messages));
        assertEquals(expected("json-style.txt"), g.prompt());
        assertEquals("{\"name\": \"", g.tools().prefill());
    }

    @Test
    void requiredPrefillsTheStartOfACallList() {
        Generation g = chat("pythonic", body("[" + WEATHER + "]", "\"tool_choice\":\"required\"", ASK));
        assertTrue(g.prompt().endsWith("<|header_start|>assistant<|header_end|>\n\n["), g.prompt());
        assertEquals("[", g.tools().prefill());
    }

    @Test
    void toolChoiceNoneRendersNoToolsAndParsesNothing() {
        Generation none = chat("pythonic", body("[" + WEATHER + "]", "\"tool_choice\":\"none\"", ASK));
        Generation plain = chat("pythonic", body(null, null, ASK));
        assertEquals(plain.prompt(), none.prompt());
        assertFalse(none.tools().enabled());
    }

    @Test
    void usageCountsTheToolDefinitions() {
        Generation with = chat("pythonic", body("[" + WEATHER + "]", null, ASK));
        Generation without = chat("pythonic", body(null, null, ASK));
        assertTrue(with.promptTokens() > without.promptTokens() + 300, with.promptTokens() + " vs " + without.promptTokens());
    }

    @Test
    void refusesBadToolsNamingTheField() {
        assertEquals("tools", refused(body("{}", null, ASK)).param().orElseThrow());
        assertEquals("tools", refused(body("[]", null, ASK)).param().orElseThrow());
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 129; i++) {
            many.append(i == 0 ? "" : ",").append("{\"type\":\"function\",\"function\":{\"name\":\"f").append(i).append("\"}}");
        }
        assertEquals("tools", refused(body(many + "]", null, ASK)).param().orElseThrow());
        String ok = "{\"type\":\"function\",\"function\":{\"name\":\"ok\"}}";
        assertEquals("tools[3].function.name", refused(body("[" + ok.replace("ok", "a") + "," + ok.replace("ok", "b")
                + "," + ok.replace("ok", "c") + "," + ok.replace("ok", "bad name") + "]", null, ASK)).param().orElseThrow());
        assertEquals("tools[1].function.name", refused(body("[" + ok + "," + ok + "]", null, ASK)).param().orElseThrow());
        assertEquals("tools[0].function.name", refused(body("[{\"type\":\"function\",\"function\":{\"name\":\""
                + "x".repeat(65) + "\"}}]", null, ASK)).param().orElseThrow());
        assertEquals("tools[0].type", refused(body("[{\"type\":\"retrieval\"}]", null, ASK)).param().orElseThrow());
        assertEquals("tools[0].function", refused(body("[{\"type\":\"function\"}]", null, ASK)).param().orElseThrow());
        assertEquals("tools[0].function.parameters", refused(body("[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"parameters\":[1]}}]", null, ASK)).param().orElseThrow());
        assertEquals("tools[0].function.strict", refused(body("[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"strict\":\"yes\"}}]", null, ASK)).param().orElseThrow());
        assertEquals("tools[0].function.description", refused(body("[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"description\":7}}]", null, ASK)).param().orElseThrow());
        assertEquals("tools[0].function", refused(body("[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"description\":\"a <|eot|> b\"}}]", null, ASK)).param().orElseThrow());
        String big = "{\"type\":\"function\",\"function\":{\"name\":\"f%d\",\"description\":\"" + "d".repeat(20_000) + "\"}}";
        assertEquals("tools", refused(body("[" + String.format(big, 1) + "," + String.format(big, 2) + ","
                + String.format(big, 3) + "," + String.format(big, 4) + "]", null, ASK)).param().orElseThrow());
    }

    @Test
    void refusesBadToolChoiceNamingTheField() {
        String tools = "[" + WEATHER + "]";
        assertEquals("tool_choice", refused(body(tools, "\"tool_choice\":\"always\"", ASK)).param().orElseThrow());
        assertEquals("tool_choice", refused(body(tools, "\"tool_choice\":3", ASK)).param().orElseThrow());
        assertEquals("tool_choice", refused(body(null, "\"tool_choice\":\"required\"", ASK)).param().orElseThrow());
        var notOffered = refused(body(tools, "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}", ASK));
        assertEquals("tool_choice.function.name", notOffered.param().orElseThrow());
        assertTrue(notOffered.getMessage().contains("get_time"));
        assertEquals("tool_choice.type", refused(body(tools, "\"tool_choice\":{\"function\":{\"name\":\"get_weather\"}}",
                ASK)).param().orElseThrow());
        assertEquals("functions", refused(body(null, "\"functions\":[{\"name\":\"f\"}]", ASK)).param().orElseThrow());
        assertEquals("function_call", refused(body(null, "\"function_call\":\"auto\"", ASK)).param().orElseThrow());
    }

    @Test
    void refusesToolMessagesThatAnswerNoCall() {
        String call = "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]}";
        assertEquals("messages[1].tool_call_id", refused(body("[" + WEATHER + "]", null, "[{\"role\":\"user\",\"content\":"
                + "\"hi\"},{\"role\":\"tool\",\"content\":\"x\"}]")).param().orElseThrow());
        assertEquals("messages[2].tool_call_id", refused(body("[" + WEATHER + "]", null, "[{\"role\":\"user\",\"content\":"
                + "\"hi\"}," + call + ",{\"role\":\"tool\",\"tool_call_id\":\"call_9\",\"content\":\"x\"}]"))
                .param().orElseThrow());
        // a result may come before the call it answers only in a broken history
        assertEquals("messages[1].tool_call_id", refused(body("[" + WEATHER + "]", null, "[{\"role\":\"user\",\"content\":"
                + "\"hi\"},{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"x\"}," + call + "]"))
                .param().orElseThrow());
        assertEquals("messages[1].tool_calls[0].function.arguments", refused(body(null, null, "[{\"role\":\"user\","
                + "\"content\":\"hi\"}," + call.replace("{}", "[1]") + "]")).param().orElseThrow());
        assertEquals("messages[1].tool_calls[0].function.arguments", refused(body(null, null, "[{\"role\":\"user\","
                + "\"content\":\"hi\"}," + call.replace("\"{}\"", "{}") + "]")).param().orElseThrow());
        assertEquals("messages[1].tool_calls[0].id", refused(body(null, null, "[{\"role\":\"user\","
                + "\"content\":\"hi\"}," + call.replace("\"id\":\"call_1\",", "") + "]")).param().orElseThrow());
        assertEquals("messages[0].tool_calls", refused(body(null, null, "[{\"role\":\"user\",\"content\":\"hi\","
                + "\"tool_calls\":[{\"id\":\"x\"}]}]")).param().orElseThrow());
    }

    @Test
    void historyWithoutToolsStillRendersCalls() {
        String messages = "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get-time\",\"arguments\":\"{\\\"tz\\\":\\\"UTC\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"12:00\"}]";
        Generation g = chat("pythonic", body(null, null, messages));
        assertTrue(g.prompt().contains("<|header_start|>assistant<|header_end|>\n\n[get_time(tz=\"UTC\")]<|eot|>"
                + "<|header_start|>ipython<|header_end|>\n\n12:00<|eot|>"), g.prompt());
        assertFalse(g.tools().enabled());
    }
}
