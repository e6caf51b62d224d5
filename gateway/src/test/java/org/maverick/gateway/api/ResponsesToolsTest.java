package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ToolChoiceFunction;
import com.openai.models.responses.ToolChoiceOptions;
import com.openai.models.responses.WebSearchTool;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Function calling through the official OpenAI Java SDK's Responses client, unmodified and with response
 * validation on: calls as {@code function_call} output items (streamed and not), parallel calls, the tool loop
 * through {@code function_call_output}, each {@code tool_choice}, refusals. The stand-in answers with calls under
 * {@code [standin:tool_call=…]} directives and with {@code Result: …} after a tool result (see ToolAnswers).
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ResponsesToolsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "llama-4-maverick";

    @TestHTTPResource("/v1")
    URL v1;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0)
                .responseValidation(true).build();
    }

    static FunctionTool tool(String name) {
        return FunctionTool.builder().name(name).description("Look up " + name.replace('_', ' '))
                .parameters(FunctionTool.Parameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .build())
                .strict(false).build();
    }

    static ResponseCreateParams.Builder ask(String text) {
        return ResponseCreateParams.builder().model(MODEL).input(text).addTool(tool("get_weather"))
                .addTool(tool("get_time"));
    }

    private static List<ResponseFunctionToolCall> calls(Response r) {
        return r.output().stream().flatMap(i -> i.functionCall().stream()).toList();
    }

    private static JsonNode arguments(ResponseFunctionToolCall call) throws Exception {
        return JSON.readTree(call.arguments());
    }

    private Response streamed(ResponseCreateParams params, List<ResponseStreamEvent> events) {
        ResponseAccumulator acc = ResponseAccumulator.createWithSnapshots();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(e -> {
                events.add(e);
                acc.accumulate(e);
            });
        }
        Response done = acc.response();
        // What the SDK rebuilds from the events alone is what the last event says.
        assertEquals(done.output(), acc.reconstructedResponse().output());
        return done;
    }

    @Test
    void parallelCallsStreamAsFunctionCallItems() throws Exception {
        List<ResponseStreamEvent> events = new ArrayList<>();
        Response r = streamed(ask("Weather in Paris and Zürich? [standin:tool_call=parallel]").build(), events);
        assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
        assertEquals(2, r.output().size(), r.output().toString());
        List<ResponseFunctionToolCall> calls = calls(r);
        assertEquals(2, calls.size());
        assertEquals("get_weather", calls.get(0).name());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"), arguments(calls.get(0)));
        assertEquals("get_time", calls.get(1).name());
        assertEquals(JSON.readTree("{\"city\":\"Zürich\"}"), arguments(calls.get(1)));
        for (ResponseFunctionToolCall c : calls) {
            assertTrue(c.callId().startsWith("call_"), c.callId());
            assertTrue(c.id().orElseThrow().startsWith("fc_"), c.id().toString());
            assertEquals(ResponseFunctionToolCall.Status.COMPLETED, c.status().orElseThrow());
        }
        assertNotEquals(calls.get(0).callId(), calls.get(1).callId());
        List<String> call = List.of("response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done");
        List<String> expected = new ArrayList<>(List.of("response.created", "response.in_progress"));
        expected.addAll(call);
        expected.addAll(call);
        expected.add("response.completed");
        List<String> types = events.stream().map(ResponsesApiTest::type).toList();
        assertEquals(expected, types);
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, ResponsesApiTest.sequenceNumber(events.get(i)), types.get(i));
        }
        assertEquals(1, events.get(6).outputItemAdded().orElseThrow().outputIndex());
        assertTrue(r.usage().orElseThrow().outputTokens() > 0);
    }

    @Test
    void aNonStreamedCallIsTheOnlyOutputItem() throws Exception {
        Response r = client.responses().create(ask("Weather in Paris? [standin:tool_call=nested]").build());
        assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
        assertEquals(1, r.output().size(), "no message beside the call: " + r.output());
        ResponseFunctionToolCall call = r.output().get(0).asFunctionCall();
        assertEquals("get_weather", call.name());
        assertEquals(JSON.readTree("{\"city\":\"Paris\",\"options\":{\"units\":[\"metric\",\"si\"],\"days\":3,"
                + "\"exact\":true,\"note\":null,\"quote\":\"say \\\"hi\\\"\\n\",\"ratio\":-0.5}}"), arguments(call));
        assertEquals(2, r.tools().size(), "the tools are echoed");
        assertEquals("get_weather", r.tools().get(0).asFunction().name());
        assertTrue(r.parallelToolCalls());
    }

    @Test
    void textBeforeACallIsAMessageItemFirst() {
        List<ResponseStreamEvent> events = new ArrayList<>();
        Response r = streamed(ask("Weather? [standin:tool_call=text_before]").build(), events);
        assertEquals(2, r.output().size());
        assertEquals("Let me look that up. ", r.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals("get_weather", r.output().get(1).asFunctionCall().name());
        Response plain = client.responses().create(ask("Weather? [standin:tool_call=text_before]").build());
        assertEquals(2, plain.output().size());
        assertTrue(plain.output().get(0).isMessage() && plain.output().get(1).isFunctionCall());
    }

    /** The SDK's usual loop: send the output back as input, then a function_call_output per call. */
    @Test
    void theToolLoopRunsUnchanged() {
        List<ResponseInputItem> input = new ArrayList<>(List.of(ResponseInputItem.ofEasyInputMessage(
                EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                        .content("Weather in Paris? [standin:tool_call=json]").build())));
        ResponseCreateParams first = ResponseCreateParams.builder().model(MODEL).inputOfResponse(input)
                .addTool(tool("get_weather")).addTool(tool("get_time")).build();
        Response call = client.responses().create(first);
        ResponseFunctionToolCall made = calls(call).get(0);
        assertEquals("get_weather", made.name());
        for (ResponseOutputItem item : call.output()) {
            if (item.isFunctionCall()) {
                input.add(ResponseInputItem.ofFunctionCall(item.asFunctionCall()));
                input.add(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId(item.asFunctionCall().callId()).output("21 degrees, sunny").build()));
            } else {
                input.add(ResponseInputItem.ofResponseOutputMessage(item.asMessage()));
            }
        }
        List<ResponseStreamEvent> events = new ArrayList<>();
        Response answer = streamed(first.toBuilder().inputOfResponse(input).build(), events);
        assertEquals(1, answer.output().size());
        assertEquals("Result: 21 degrees, sunny", answer.output().get(0).asMessage().content().get(0).asOutputText()
                .text());
        assertTrue(calls(answer).isEmpty());
        assertEquals(ResponseStatus.COMPLETED, answer.status().orElseThrow());
    }

    @Test
    void toolChoiceNoneOffersNoTools() {
        Response r = client.responses().create(ask("Weather? [standin:tool_call=pythonic] [standin:length=8]")
                .toolChoice(ToolChoiceOptions.NONE).build());
        assertTrue(calls(r).isEmpty());
        assertFalse(ResponsesApiTest.text(r).isBlank());
        assertEquals(ToolChoiceOptions.NONE, r.toolChoice().asOptions());
    }

    @Test
    void requiredAndNamedChoicesMakeACall() throws Exception {
        Response required = client.responses().create(ask("Weather in Paris?")
                .toolChoice(ToolChoiceOptions.REQUIRED).build());
        assertEquals("get_weather", calls(required).get(0).name(), required.output().toString());
        List<ResponseStreamEvent> events = new ArrayList<>();
        Response named = streamed(ask("What time is it in Paris?")
                .toolChoice(ToolChoiceFunction.builder().name("get_time").build()).build(), events);
        assertEquals(1, calls(named).size());
        assertEquals("get_time", calls(named).get(0).name());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"), arguments(calls(named).get(0)));
        assertEquals("get_time", named.toolChoice().asFunction().name());
    }

    @Test
    void onlyTheFirstCallWithoutParallelCalls() {
        Response r = client.responses().create(ask("Weather? [standin:tool_call=parallel]").parallelToolCalls(false)
                .build());
        assertEquals(1, calls(r).size());
        assertEquals("get_weather", calls(r).get(0).name());
        assertFalse(r.parallelToolCalls());
    }

    @Test
    void refusalsNameTheResponsesField() {
        Map<String, ResponseCreateParams> refused = new LinkedHashMap<>();
        refused.put("tools[2].name", ask("hi").addTool(tool("get weather")).build());
        refused.put("tools[2].type", ask("hi").addTool(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH)
                .build()).build());
        refused.put("tool_choice.name", ask("hi").toolChoice(ToolChoiceFunction.builder().name("get_news").build())
                .build());
        refused.put("input[1].call_id", ask("hi").inputOfResponse(List.of(
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                        .content("hi").build()),
                ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId("call_x").output("21").build()))).build());
        refused.put("input[1].arguments", ask("hi").inputOfResponse(List.of(
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                        .content("hi").build()),
                ResponseInputItem.ofFunctionCall(ResponseFunctionToolCall.builder().callId("call_1")
                        .name("get_weather").arguments("not json").build()))).build());
        refused.forEach((param, p) -> {
            BadRequestException e = assertThrows(BadRequestException.class, () -> client.responses().create(p),
                    param);
            assertEquals(param, e.param().orElse(""), param + ": " + e.getMessage());
        });
    }
}
