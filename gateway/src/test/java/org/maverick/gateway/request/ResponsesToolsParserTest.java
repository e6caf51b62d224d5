package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.Llama4ChatTemplate;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Responses API's tools and tool history mapped onto the chat completions' path: a Responses body and the
 * chat body a client would send for the same conversation give the same prompt, byte for byte, and the same
 * output parsing ({@code ToolUse}), in both tool styles; refusals name the Responses fields.
 */
class ResponsesToolsParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static RequestValidator validator(String style) {
        Map<String, String> values = new HashMap<>();
        values.put("gateway.triton.endpoint", "triton:8001");
        values.put("gateway.tools.style", style);
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build().getConfigMapping(GatewayConfig.class);
        return new RequestValidator(config, new Llama4ChatTemplate(false), new EstimatingCounter());
    }

    private static ResponsesRequestParser.Parsed responses(String style, String fields) {
        String body = "{\"model\":\"llama-4-maverick\"," + fields + "}";
        return new ResponsesRequestParser(validator(style)).parse(JSON, body.getBytes(StandardCharsets.UTF_8),
                "resp_1", 1);
    }

    private static Generation chat(String style, String fields) {
        String body = "{\"model\":\"llama-4-maverick\"," + fields + "}";
        return validator(style).chat(JSON, body.getBytes(StandardCharsets.UTF_8), "chatcmpl-1", 1);
    }

    private static final String WEATHER = "\"name\":\"get_weather\",\"description\":\"Weather of a city\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}";
    private static final String TIME = "\"name\":\"get-time\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}}},\"strict\":true";
    private static final String RESPONSES_TOOLS = "\"tools\":[{\"type\":\"function\"," + WEATHER
            + "},{\"type\":\"function\"," + TIME + "}]";
    private static final String CHAT_TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{" + WEATHER
            + "}},{\"type\":\"function\",\"function\":{" + TIME + "}}]";

    private static void assertSame(String style, String responsesFields, String chatFields) {
        Generation r = responses(style, responsesFields).generation();
        Generation c = chat(style, chatFields);
        assertEquals(c.prompt(), r.prompt());
        assertEquals(c.promptTokens(), r.promptTokens());
        assertEquals(c.tools(), r.tools());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            pythonic | "tool_choice":"auto"                           | "tool_choice":"auto"
            json     | "tool_choice":"auto"                           | "tool_choice":"auto"
            pythonic | "tool_choice":"required"                       | "tool_choice":"required"
            json     | "tool_choice":"required"                       | "tool_choice":"required"
            pythonic | "tool_choice":{"type":"function","name":"get-time"} | "tool_choice":{"type":"function","function":{"name":"get-time"}}
            json     | "tool_choice":{"type":"function","name":"get-time"} | "tool_choice":{"type":"function","function":{"name":"get-time"}}
            pythonic | "tool_choice":"none"                           | "tool_choice":"none"
            pythonic | "parallel_tool_calls":false                    | "parallel_tool_calls":false
            json     | "parallel_tool_calls":false                    | "parallel_tool_calls":false
            """)
    void toolsAndChoicesPromptAsForAChatCompletion(String style, String responsesExtra, String chatExtra) {
        assertSame(style, RESPONSES_TOOLS + "," + responsesExtra + ",\"instructions\":\"Be terse.\","
                        + "\"input\":\"Weather in Paris?\"",
                CHAT_TOOLS + "," + chatExtra + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be terse.\"},"
                        + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]");
    }

    /**
     * An answer sent back as items (its message, then its calls) is the one assistant turn a chat client sends;
     * each function_call_output is a tool message.
     */
    @ParameterizedTest
    @ValueSource(strings = {"pythonic", "json"})
    void theHistoryIsWrittenAsAChatCompletionsAssistantCallsAndToolResults(String style) {
        String responsesInput = "\"input\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
                + "\"text\":\"Let me look.\",\"annotations\":[]}]},"
                + "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\",\"status\":\"completed\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"get-time\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"21 degrees\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_2\",\"output\":[{\"type\":\"input_text\","
                + "\"text\":\"10:\"},{\"type\":\"input_text\",\"text\":\"30\"}]},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_3\",\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Lyon\\\"}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_3\",\"output\":\"19 degrees\"},"
                + "{\"role\":\"user\",\"content\":\"Thanks.\"}]";
        String chatMessages = "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Let me look.\",\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get-time\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"21 degrees\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"10:30\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"call_3\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Lyon\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_3\",\"content\":\"19 degrees\"},"
                + "{\"role\":\"user\",\"content\":\"Thanks.\"}]";
        assertSame(style, RESPONSES_TOOLS + "," + responsesInput, CHAT_TOOLS + "," + chatMessages);
        String prompt = responses(style, RESPONSES_TOOLS + "," + responsesInput).generation().prompt();
        assertTrue(prompt.contains("<|header_start|>ipython<|header_end|>\n\n21 degrees<|eot|>"), prompt);
        // tool_choice none still writes the history's calls, as for a chat completion
        assertSame(style, RESPONSES_TOOLS + ",\"tool_choice\":\"none\"," + responsesInput,
                CHAT_TOOLS + ",\"tool_choice\":\"none\"," + chatMessages);
    }

    @Test
    void theResponseEchoesTheToolsAsApplied() {
        ResponsesRequestParser.Parsed p = responses("pythonic", RESPONSES_TOOLS
                + ",\"parallel_tool_calls\":false,\"tool_choice\":{\"type\":\"function\",\"name\":\"get_weather\"},"
                + "\"input\":\"x\"");
        assertEquals(2, p.settings().tools().size());
        assertEquals("get_weather", p.settings().tools().get(0).get("name").asText());
        assertEquals("function", p.settings().tools().get(0).get("type").asText());
        assertFalse(p.settings().tools().get(0).get("strict").asBoolean());
        assertTrue(p.settings().tools().get(1).get("strict").asBoolean());
        assertTrue(p.settings().tools().get(1).get("description").isNull());
        assertFalse(p.settings().parallelToolCalls());
        assertEquals("get_weather", p.settings().toolChoice().get("name").asText());
        assertEquals(Map.of("get_weather", "get_weather"), p.generation().tools().callable());
        assertFalse(p.generation().tools().parallel());
        // no tools: nothing parsed, and "auto" (the Responses default) is accepted
        assertFalse(responses("pythonic", "\"tools\":[],\"tool_choice\":\"auto\",\"input\":\"x\"").generation()
                .tools().enabled());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            tools[2].name             | "tools":[{"type":"function","name":"a"},{"type":"function","name":"b"},{"type":"function","name":"bad name"}],"input":"x"
            tools[1].name             | "tools":[{"type":"function","name":"a"},{"type":"function","name":"a"}],"input":"x"
            tools[0].type             | "tools":[{"type":"web_search"}],"input":"x"
            tools[0].type             | "tools":[{"type":"file_search","vector_store_ids":["v"]}],"input":"x"
            tools[0].parameters       | "tools":[{"type":"function","name":"a","parameters":[]}],"input":"x"
            tools[0].strict           | "tools":[{"type":"function","name":"a","strict":"yes"}],"input":"x"
            tools[0].description      | "tools":[{"type":"function","name":"a","description":5}],"input":"x"
            tools[0].parameters       | "tools":[{"type":"function","name":"a","strict":true,"parameters":{"$ref":"http://x/s.json"}}],"input":"x"
            tools                     | "tools":{"type":"function","name":"a"},"input":"x"
            tool_choice.name          | "tools":[{"type":"function","name":"a"}],"tool_choice":{"type":"function","name":"b"},"input":"x"
            tool_choice.name          | "tools":[{"type":"function","name":"a"}],"tool_choice":{"type":"function"},"input":"x"
            tool_choice.type          | "tools":[{"type":"function","name":"a"}],"tool_choice":{"type":"allowed_tools","mode":"auto","tools":[]},"input":"x"
            tool_choice.type          | "tools":[{"type":"function","name":"a"}],"tool_choice":{"type":"web_search_preview"},"input":"x"
            tool_choice               | "tools":[{"type":"function","name":"a"}],"tool_choice":"sometimes","input":"x"
            tool_choice               | "tool_choice":"required","input":"x"
            input[3].call_id          | "input":["x",{"type":"function_call","call_id":"c1","name":"a","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"1"},{"type":"function_call_output","call_id":"c2","output":"2"}]
            input[0].call_id          | "input":[{"type":"function_call_output","output":"2"}]
            input[0].call_id          | "input":[{"type":"function_call_output","call_id":7,"output":"2"}]
            input[0].call_id          | "input":[{"type":"function_call","name":"a","arguments":"{}"}]
            input[0].name             | "input":[{"type":"function_call","call_id":"c","name":"a b","arguments":"{}"}]
            input[0].arguments        | "input":[{"type":"function_call","call_id":"c","name":"a","arguments":"[1]"}]
            input[0].arguments        | "input":[{"type":"function_call","call_id":"c","name":"a","arguments":{"x":1}}]
            input[1].output           | "input":[{"type":"function_call","call_id":"c","name":"a","arguments":"{}"},{"type":"function_call_output","call_id":"c"}]
            input[1].output[0].type   | "input":[{"type":"function_call","call_id":"c","name":"a","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":[{"type":"input_file","file_id":"f"}]}]
            input[1].output           | "input":[{"type":"function_call","call_id":"c","name":"a","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"<\\u007ceot\\u007c>"}]
            """)
    void refusalsNameTheResponsesField(String param, String fields) {
        String fixed = fields.replace("\"input\":[\"x\",", "\"input\":[{\"role\":\"user\",\"content\":\"x\"},");
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> responses("pythonic", fixed));
        assertEquals(param, e.param().orElse(null), e.getMessage());
    }
}
