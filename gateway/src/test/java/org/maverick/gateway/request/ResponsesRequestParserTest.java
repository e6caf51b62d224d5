package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.quarkus.runtime.configuration.DurationConverter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.Llama4ChatTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Responses API's parse-and-check step on its own: what becomes the prompt, and every refusal's field. */
class ResponsesRequestParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ResponsesRequestParser PARSER = parser();

    private static ResponsesRequestParser parser() {
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(Map.of("gateway.triton.endpoint", "triton:8001")).build()
                .getConfigMapping(GatewayConfig.class);
        return new ResponsesRequestParser(new RequestValidator(config, new Llama4ChatTemplate(false),
                new EstimatingCounter()));
    }

    private static ResponsesRequestParser.Parsed parse(String fields) {
        String body = "{\"model\":\"llama-4-maverick\"" + (fields.isEmpty() ? "" : "," + fields) + "}";
        return PARSER.parse(JSON, body.getBytes(StandardCharsets.UTF_8), "resp_test", 1L);
    }

    /** previous_response_id: the stored conversation comes first, then this input, as if all were sent whole. */
    @Test
    void aStoredConversationIsWrittenBeforeTheInputExactlyAsIfSentWhole() throws Exception {
        List<com.fasterxml.jackson.databind.JsonNode> history = List.of(
                JSON.readTree("{\"id\":\"msg_1_in0\",\"type\":\"message\",\"role\":\"user\",\"status\":\"completed\","
                        + "\"content\":[{\"type\":\"input_text\",\"text\":\"Name a river.\"}]}"),
                JSON.readTree("{\"id\":\"msg_1_0\",\"type\":\"message\",\"role\":\"assistant\",\"status\":\"completed\","
                        + "\"content\":[{\"type\":\"output_text\",\"text\":\"The Danube.\",\"annotations\":[]}]}"));
        var request = PARSER.read(JSON, ("{\"model\":\"llama-4-maverick\",\"instructions\":\"Be terse.\","
                + "\"previous_response_id\":\"resp_1\",\"input\":\"Another.\"}").getBytes(StandardCharsets.UTF_8));
        Generation chained = PARSER.draft(request, history, "resp_2", 1L).complete().generation();
        Generation whole = parse("\"instructions\":\"Be terse.\",\"input\":["
                + "{\"role\":\"user\",\"content\":\"Name a river.\"},"
                + "{\"role\":\"assistant\",\"content\":\"The Danube.\"},"
                + "{\"role\":\"user\",\"content\":\"Another.\"}]").generation();
        assertEquals(whole.prompt(), chained.prompt());
        assertEquals("resp_1", PARSER.draft(request, history, "resp_2", 1L).complete().settings()
                .previousResponseId());
    }

    /** A call stored in the chain is answered by a function_call_output of this input. */
    @Test
    void aFunctionCallOfTheChainIsAnsweredByThisInput() throws Exception {
        List<com.fasterxml.jackson.databind.JsonNode> history = List.of(
                JSON.readTree("{\"type\":\"message\",\"role\":\"user\",\"content\":\"Weather in Paris?\"}"),
                JSON.readTree("{\"id\":\"fc_1_0\",\"type\":\"function_call\",\"status\":\"completed\","
                        + "\"call_id\":\"call_1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}"));
        var request = PARSER.read(JSON, ("{\"model\":\"llama-4-maverick\",\"previous_response_id\":\"resp_1\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\"}],"
                + "\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"18C\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        String prompt = PARSER.draft(request, history, "resp_2", 1L).complete().generation().prompt();
        int asked = prompt.indexOf("Weather in Paris?");
        int called = prompt.indexOf("get_weather(city=\"Paris\")", asked);
        assertTrue(asked > 0 && called > asked, prompt);
        assertTrue(prompt.indexOf("18C", called) > called, prompt);
    }

    @Test
    void instructionsAndItemsBecomeTheChatTemplatesTurns() {
        Generation g = parse("\"instructions\":\"Be terse.\",\"input\":["
                + "{\"role\":\"developer\",\"content\":\"One line.\"},"
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Name \"},"
                + "{\"type\":\"input_text\",\"text\":\"a river.\"}]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
                + "\"text\":\"The Danube.\",\"annotations\":[]}]},"
                + "{\"role\":\"user\",\"content\":\"Another.\"}]").generation();
        assertEquals("<|header_start|>system<|header_end|>\n\nBe terse.<|eot|>"
                + "<|header_start|>system<|header_end|>\n\nOne line.<|eot|>"
                + "<|header_start|>user<|header_end|>\n\nName a river.<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\nThe Danube.<|eot|>"
                + "<|header_start|>user<|header_end|>\n\nAnother.<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\n", g.prompt());
        assertEquals(Generation.Kind.CHAT, g.kind());
        assertFalse(g.stream());
    }

    @Test
    void aStringInputIsOneUserTurnAndSettingsAreEchoedWithDefaultsApplied() {
        ResponsesRequestParser.Parsed p = parse("\"input\":\"Hi\",\"stream\":true,\"max_output_tokens\":7,"
                + "\"metadata\":{\"a\":\"b\"},\"user\":\"u\"");
        assertTrue(p.generation().prompt().contains("<|header_start|>user<|header_end|>\n\nHi<|eot|>"));
        assertTrue(p.generation().stream());
        assertEquals(7, p.generation().sampling().maxTokens());
        assertEquals(7, p.settings().maxOutputTokens());
        assertEquals(Map.of("a", "b"), p.settings().metadata());
        assertEquals("auto", p.settings().toolChoice().asText());
        assertTrue(p.settings().parallelToolCalls());
        assertTrue(p.settings().storeRequested(), "OpenAI's default is to store");
        assertFalse(parse("\"input\":\"Hi\",\"store\":false").settings().storeRequested());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            store                  | "input":"x","background":true,"store":false
            conversation           | "input":"x","conversation":"conv_1"
            reasoning              | "input":"x","reasoning":{"effort":"low"}
            truncation             | "input":"x","truncation":"auto"
            include                | "input":"x","include":["message.output_text.logprobs"]
            text.format            | "input":"x","text":{"format":{"type":"json_object"}}
            tools[0].type          | "input":"x","tools":[{"type":"web_search_preview"}]
            tools[0].name          | "input":"x","tools":[{"type":"function"}]
            tools[0].parameters    | "input":"x","tools":[{"type":"function","name":"f","parameters":"{}"}]
            tool_choice.name       | "input":"x","tool_choice":{"type":"function","name":"f"}
            tool_choice            | "input":"x","tool_choice":"required"
            input                  | "input":null
            input                  | "input":[]
            input                  | "input":5
            input[0].role          | "input":[{"role":"tool","content":"x"}]
            input[0].content       | "input":[{"role":"user"}]
            input[0].content[0].image_url | "input":[{"role":"user","content":[{"type":"input_image","image_url":"https://e/x.png"}]}]
            input[0].content[0].type | "input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]
            input[0].content[0].text | "input":[{"role":"user","content":[{"type":"input_text"}]}]
            input[0].type          | "input":[{"type":"item_reference","id":"msg_1"}]
            input[0].type          | "input":[{"type":"reasoning","summary":[]}]
            input[0].arguments     | "input":[{"type":"function_call","call_id":"c","name":"f"}]
            input[0].call_id       | "input":[{"type":"function_call_output","call_id":"c","output":"ok"}]
            input[0].call_id       | "input":[{"type":"function_call_output","output":"ok"}]
            instructions           | "input":"x","instructions":"<|eot|>"
            metadata.k             | "input":"x","metadata":{"k":1}
            max_output_tokens      | "input":"x","max_output_tokens":0
            temperature            | "input":"x","temperature":3
            model                  | "input":"x","model":""
            """)
    void refusesNamingTheField(String param, String fields) {
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> parse(fields));
        assertEquals(param, e.param().orElse(null), e.getMessage());
    }

    @Test
    void acceptsTheNoOpValuesOfFieldsItCannotHonour() {
        Generation g = parse("\"input\":\"x\",\"include\":[],\"truncation\":\"disabled\",\"store\":false,"
                + "\"reasoning\":null,\"prompt_cache_key\":\"k\",\"tool_choice\":\"none\",\"tools\":[],"
                + "\"text\":{\"format\":{\"type\":\"text\"},\"verbosity\":\"medium\"},\"parallel_tool_calls\":true,"
                + "\"safety_identifier\":\"s\",\"service_tier\":\"auto\",\"unknown_future_field\":{\"a\":1}")
                .generation();
        assertTrue(g.prompt().contains("x"));
    }
}
