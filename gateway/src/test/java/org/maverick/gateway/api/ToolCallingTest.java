package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tool calling through the official OpenAI Java SDK, unmodified: its streaming accumulation of tool calls, parallel
 * calls, the round trip with a tool result, each {@code tool_choice}, refusals. The stand-in answers with calls
 * under {@code [standin:tool_call=…]} directives (gateway default style: pythonic).
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ToolCallingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/v1")
    URL v1;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0).build();
    }

    static ChatCompletionFunctionTool tool(String name, boolean strict, Map<String, Object> cityProperty) {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name)
                .description("Look up " + name.replace('_', ' '))
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", cityProperty)))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .build())
                .strict(strict).build()).build();
    }

    static ChatCompletionCreateParams.Builder ask(String text) {
        return ChatCompletionCreateParams.builder().model("llama-4-maverick").addUserMessage(text)
                .addTool(tool("get_weather", false, Map.of("type", "string")))
                .addTool(tool("get_time", false, Map.of("type", "string")));
    }

    private ChatCompletion streamed(ChatCompletionCreateParams params, List<ChatCompletionChunk> chunks) {
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(c -> {
                chunks.add(c);
                acc.accumulate(c);
            });
        }
        return acc.chatCompletion();
    }

    private static List<ChatCompletionMessageFunctionToolCall> calls(ChatCompletion c) {
        return c.choices().get(0).message().toolCalls().orElse(List.of()).stream()
                .map(ChatCompletionMessageToolCall::asFunction).toList();
    }

    private static JsonNode arguments(ChatCompletionMessageFunctionToolCall call) throws Exception {
        return JSON.readTree(call.function().arguments());
    }

    @Test
    void parallelCallsStreamAndTheSdkAccumulatesThem() throws Exception {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletion c = streamed(ask("Weather in Paris and Zürich? [standin:tool_call=parallel]").build(), chunks);
        List<ChatCompletionMessageFunctionToolCall> calls = calls(c);
        assertEquals(2, calls.size(), c.toString());
        assertEquals("get_weather", calls.get(0).function().name());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"), arguments(calls.get(0)));
        assertEquals("get_time", calls.get(1).function().name());
        assertEquals(JSON.readTree("{\"city\":\"Zürich\"}"), arguments(calls.get(1)));
        assertTrue(calls.get(0).id().startsWith("call_") && calls.get(1).id().startsWith("call_"));
        assertEquals(2, new HashSet<>(List.of(calls.get(0).id(), calls.get(1).id())).size(), "unique ids");
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, c.choices().get(0).finishReason());
        // OpenAI's shape: a call's first delta carries index, id, type and name; its arguments follow
        List<ChatCompletionChunk.Choice.Delta.ToolCall> deltas = new ArrayList<>();
        chunks.forEach(ch -> ch.choices().forEach(x -> x.delta().toolCalls().ifPresent(deltas::addAll)));
        assertEquals(4, deltas.size());
        assertEquals(0, deltas.get(0).index());
        assertTrue(deltas.get(0).id().isPresent() && deltas.get(0).function().orElseThrow().name().isPresent());
        assertTrue(deltas.get(1).id().isEmpty() && deltas.get(1).function().orElseThrow().arguments().isPresent());
        assertEquals(1, deltas.get(2).index());
    }

    @Test
    void nonStreamedCallWithNestedArguments() throws Exception {
        ChatCompletion c = client.chat().completions().create(ask("Weather? [standin:tool_call=nested]").build());
        List<ChatCompletionMessageFunctionToolCall> calls = calls(c);
        assertEquals(1, calls.size());
        assertEquals(JSON.readTree("{\"city\":\"Paris\",\"options\":{\"units\":[\"metric\",\"si\"],\"days\":3,"
                + "\"exact\":true,\"note\":null,\"quote\":\"say \\\"hi\\\"\\n\",\"ratio\":-0.5}}"), arguments(calls.get(0)));
        assertTrue(c.choices().get(0).message().content().isEmpty(), "no text beside the call");
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, c.choices().get(0).finishReason());
        ChatCompletion plain = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("llama-4-maverick").addUserMessage("Weather? [standin:tool_call=nested]").maxCompletionTokens(5)
                .build());
        assertTrue(c.usage().orElseThrow().promptTokens() > plain.usage().orElseThrow().promptTokens() + 300,
                "usage counts the tool definitions in the prompt");
    }

    @Test
    void theToolLoopRunsUnchanged() {
        ChatCompletionCreateParams first = ask("Weather in Paris? [standin:tool_call=json]").build();
        ChatCompletion call = client.chat().completions().create(first);
        ChatCompletionMessageFunctionToolCall made = calls(call).get(0);
        assertEquals("get_weather", made.function().name());
        ChatCompletionCreateParams second = first.toBuilder()
                .addMessage(call.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(made.id()).content("21 degrees, sunny")
                        .build())
                .build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletion answer = streamed(second, chunks);
        assertEquals("Result: 21 degrees, sunny", answer.choices().get(0).message().content().orElseThrow());
        assertTrue(calls(answer).isEmpty());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, answer.choices().get(0).finishReason());
    }

    @Test
    void toolChoiceNoneOffersNoTools() {
        ChatCompletion c = client.chat().completions().create(ask("Weather? [standin:tool_call=pythonic] [standin:length=8]")
                .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).build());
        assertTrue(calls(c).isEmpty());
        assertFalse(c.choices().get(0).message().content().orElse("").isBlank());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
    }

    @Test
    void requiredAndNamedChoicesPrefillACall() throws Exception {
        ChatCompletion required = client.chat().completions().create(ask("Weather in Paris?")
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        assertEquals("get_weather", calls(required).get(0).function().name(), required.toString());
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletion named = streamed(ask("What time is it in Paris?").toolChoice(ChatCompletionNamedToolChoice.builder()
                .function(ChatCompletionNamedToolChoice.Function.builder().name("get_time").build()).build()).build(), chunks);
        assertEquals(1, calls(named).size());
        assertEquals("get_time", calls(named).get(0).function().name());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"), arguments(calls(named).get(0)));
    }

    @Test
    void textBeforeACallIsContent() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletion c = streamed(ask("Weather? [standin:tool_call=text_before]").build(), chunks);
        assertEquals("Let me look that up. ", c.choices().get(0).message().content().orElseThrow());
        assertEquals(1, calls(c).size());
    }

    @Test
    void aMalformedCallIsTextNeverAnError() {
        ChatCompletion c = client.chat().completions().create(ask("Weather? [standin:tool_call=malformed]").build());
        assertEquals("[get_weather(city=Paris)]", c.choices().get(0).message().content().orElseThrow());
        assertTrue(calls(c).isEmpty());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
    }

    @Test
    void onlyTheFirstCallWithoutParallelCalls() {
        ChatCompletion c = client.chat().completions().create(ask("Weather? [standin:tool_call=parallel]")
                .parallelToolCalls(false).build());
        assertEquals(1, calls(c).size());
        assertEquals("get_weather", calls(c).get(0).function().name());
    }

    @Test
    void strictArgumentsThatDoNotMatchTheSchemaAreText() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("llama-4-maverick").addUserMessage("Weather? [standin:tool_call=pythonic]")
                .addTool(tool("get_weather", true, Map.of("type", "string", "enum", List.of("Oslo")))).build());
        assertTrue(calls(c).isEmpty(), c.toString());
        assertEquals("[get_weather(city=\"Paris\")]", c.choices().get(0).message().content().orElseThrow());
        ChatCompletion ok = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("llama-4-maverick").addUserMessage("Weather? [standin:tool_call=pythonic]")
                .addTool(tool("get_weather", true, Map.of("type", "string", "enum", List.of("Paris")))).build());
        assertEquals(1, calls(ok).size());
    }

    @Test
    void refusalsNameTheField() {
        BadRequestException notOffered = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(ask("hi").toolChoice(ChatCompletionNamedToolChoice.builder().function(
                        ChatCompletionNamedToolChoice.Function.builder().name("get_news").build()).build()).build()));
        assertEquals("tool_choice.function.name", notOffered.param().orElseThrow());
        BadRequestException badName = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(ask("hi").addTool(tool("get weather", false, Map.of("type", "string"))).build()));
        assertEquals("tools[2].function.name", badName.param().orElseThrow());
        BadRequestException noCall = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(ask("hi").addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_x")
                        .content("21").build()).build()));
        assertEquals("messages[1].tool_call_id", noCall.param().orElseThrow());
    }
}
