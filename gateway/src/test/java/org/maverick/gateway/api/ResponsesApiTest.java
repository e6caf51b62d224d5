package org.maverick.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputMessage;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.standin.StandInCounters;

import java.net.Socket;
import java.net.URL;
import java.time.Duration;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /v1/responses} with the official OpenAI Java SDK's Responses client, response validation on (the SDK
 * checks every field it requires), against the Triton stand-in over real gRPC.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ResponsesApiTest {

    static final String MODEL = "llama-4-maverick";

    @TestHTTPResource("/v1")
    URL v1;

    @TestHTTPResource("/")
    URL root;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0)
                .responseValidation(true).build();
    }

    String base() {
        return root.toString().replaceAll("/$", "");
    }

    static ResponseCreateParams.Builder params(String input) {
        return ResponseCreateParams.builder().model(MODEL).instructions("You are terse.").input(input);
    }

    /** The text of a response, from its output_text parts (what the SDKs' output_text is derived from). */
    static String text(Response r) {
        return r.output().stream().flatMap(i -> i.message().stream()).flatMap(m -> m.content().stream())
                .flatMap(c -> c.outputText().stream()).map(ResponseOutputText::text).collect(Collectors.joining());
    }

    @Test
    void answersANonStreamedResponse() {
        Response r = client.responses().create(params("Hello [standin:length=12]").maxOutputTokens(64)
                .temperature(0.2).build());
        assertTrue(r.id().startsWith("resp_"), r.id());
        assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
        assertEquals(MODEL, r.model().asString());
        assertTrue(r.createdAt() > 0);
        assertEquals(1, r.output().size());
        ResponseOutputMessage message = r.output().get(0).message().orElseThrow();
        assertTrue(message.id().startsWith("msg_"), message.id());
        assertEquals(ResponseOutputMessage.Status.COMPLETED, message.status());
        ResponseOutputText part = message.content().get(0).outputText().orElseThrow();
        assertFalse(part.text().isBlank());
        assertTrue(part.annotations().isEmpty());
        assertEquals(64, r.maxOutputTokens().orElseThrow());
        assertEquals(0.2, r.temperature().orElseThrow(), 1e-9);
        assertEquals("You are terse.", r.instructions().orElseThrow().asString());
        assertTrue(r.incompleteDetails().isEmpty());
        assertTrue(r.error().isEmpty());
        ResponseUsage usage = r.usage().orElseThrow();
        assertTrue(usage.inputTokens() > 0);
        assertTrue(usage.outputTokens() > 0);
        assertEquals(usage.inputTokens() + usage.outputTokens(), usage.totalTokens());
        assertEquals(0, usage.inputTokensDetails().cachedTokens());
        assertEquals(0, usage.outputTokensDetails().reasoningTokens());
    }

    @Test
    void streamsSemanticEventsInOrderWithRisingSequenceNumbers() {
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                params("Tell me about rivers [standin:length=40]").build())) {
            stream.stream().forEach(events::add);
        }
        List<String> types = events.stream().map(ResponsesApiTest::type).toList();
        int deltas = (int) types.stream().filter("response.output_text.delta"::equals).count();
        assertTrue(deltas >= 5, "streamed in many deltas: " + types);
        List<String> expected = new ArrayList<>(List.of("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added"));
        for (int i = 0; i < deltas; i++) {
            expected.add("response.output_text.delta");
        }
        expected.addAll(List.of("response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed"));
        assertEquals(expected, types);
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, sequenceNumber(events.get(i)), "sequence_number of event " + i + " " + types.get(i));
        }
        String streamed = events.stream().flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta())
                .collect(Collectors.joining());
        assertEquals(streamed, events.stream().flatMap(e -> e.outputTextDone().stream()).findFirst().orElseThrow()
                .text());
        Response created = events.get(0).created().orElseThrow().response();
        assertEquals(ResponseStatus.IN_PROGRESS, created.status().orElseThrow());
        Response done = events.get(events.size() - 1).completed().orElseThrow().response();
        assertEquals(created.id(), done.id());
        assertEquals(ResponseStatus.COMPLETED, done.status().orElseThrow());
        assertEquals(streamed, text(done));
        String itemId = events.get(2).outputItemAdded().orElseThrow().item().message().orElseThrow().id();
        assertTrue(events.stream().flatMap(e -> e.outputTextDelta().stream()).allMatch(d -> d.itemId().equals(itemId)
                && d.outputIndex() == 0 && d.contentIndex() == 0));
        assertTrue(done.usage().orElseThrow().outputTokens() > 0);
    }

    @Test
    void maxOutputTokensCutMakesTheResponseIncomplete() {
        Response r = client.responses().create(params("More [standin:length=300]").maxOutputTokens(5).build());
        assertEquals(ResponseStatus.INCOMPLETE, r.status().orElseThrow());
        assertEquals(Response.IncompleteDetails.Reason.MAX_OUTPUT_TOKENS,
                r.incompleteDetails().orElseThrow().reason().orElseThrow());
        // Without Maverick's tokenizer in tests usage is estimated from the text, so not exactly 5.
        assertTrue(r.usage().orElseThrow().outputTokens() > 0);
        assertEquals(ResponseOutputMessage.Status.INCOMPLETE, r.output().get(0).message().orElseThrow().status());

        List<ResponseStreamEvent> events = new ArrayList<>();
        try (var stream = client.responses().createStreaming(params("More [standin:length=300]").maxOutputTokens(5)
                .build())) {
            stream.stream().forEach(events::add);
        }
        Response last = events.get(events.size() - 1).incomplete().orElseThrow().response();
        assertEquals(ResponseStatus.INCOMPLETE, last.status().orElseThrow());
        assertEquals(Response.IncompleteDetails.Reason.MAX_OUTPUT_TOKENS,
                last.incompleteDetails().orElseThrow().reason().orElseThrow());
    }

    @Test
    void takesAConversationAsInputItems() {
        List<ResponseInputItem> items = List.of(
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                        .role(EasyInputMessage.Role.DEVELOPER).content("Answer in one line.").build()),
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                        .role(EasyInputMessage.Role.USER).content("Name a river.").build()),
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                        .role(EasyInputMessage.Role.ASSISTANT).content("The Danube.").build()),
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                        .role(EasyInputMessage.Role.USER).content("Another [standin:length=6]").build()));
        Response r = client.responses().create(ResponseCreateParams.builder().model(MODEL).inputOfResponse(items)
                .build());
        assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
        assertFalse(text(r).isBlank());
    }

    /** No-op values of fields the gateway cannot honour are accepted, unknown fields ignored, settings echoed. */
    @Test
    void acceptsNoOpValuesAndUnknownFieldsAndEchoesSettings() {
        Response r = client.responses().create(params("Hi [standin:length=4]")
                .putAdditionalBodyProperty("include", JsonValue.from(List.of()))
                .putAdditionalBodyProperty("truncation", JsonValue.from("disabled"))
                .putAdditionalBodyProperty("reasoning", JsonValue.from(null))
                .putAdditionalBodyProperty("prompt_cache_key", JsonValue.from("k1"))
                .putAdditionalBodyProperty("tool_choice", JsonValue.from("none"))
                .putAdditionalBodyProperty("parallel_tool_calls", JsonValue.from(false))
                .putAdditionalBodyProperty("text", JsonValue.from(Map.of("format", Map.of("type", "text"))))
                .putAdditionalBodyProperty("metadata", JsonValue.from(Map.of("ticket", "T-1")))
                .putAdditionalBodyProperty("user", JsonValue.from("u-7"))
                .putAdditionalBodyProperty("store", JsonValue.from(false))
                .putAdditionalBodyProperty("some_future_field", JsonValue.from(Map.of("x", 1)))
                .build());
        assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
        assertFalse(r.parallelToolCalls());
        assertTrue(r.toolChoice().isOptions());
        assertEquals("T-1", r.metadata().orElseThrow()._additionalProperties().get("ticket").asStringOrThrow());
        assertTrue(r.tools().isEmpty());
    }

    /** store: true (OpenAI's default) answers normally; a header says the response was not stored. */
    @Test
    void saysInAHeaderThatARequestedStoreDidNotHappen() throws Exception {
        String body = "{\"model\":\"" + MODEL + "\",\"input\":\"Hi [standin:length=3]\"";
        HttpResponse<String> byDefault = Sse.post(base(), "/v1/responses", body + "}");
        assertEquals(200, byDefault.statusCode(), byDefault.body());
        assertEquals("false", byDefault.headers().firstValue("x-maverick-stored").orElse(null));
        assertTrue(Sse.JSON.readTree(byDefault.body()).get("store").isBoolean());
        HttpResponse<String> notAsked = Sse.post(base(), "/v1/responses", body + ",\"store\":false}");
        assertEquals(200, notAsked.statusCode());
        assertNull(notAsked.headers().firstValue("x-maverick-stored").orElse(null));
    }

    /** Each refusal is a 400 naming the field, raised by the SDK as BadRequestException. */
    @Test
    void refusesWhatCannotBeDoneNamingTheField() {
        Map<String, ResponseCreateParams> refused = new LinkedHashMap<>();
        refused.put("background", params("hi").background(true).build());
        refused.put("previous_response_id", params("hi").previousResponseId("resp_abc").build());
        refused.put("text.format", params("hi").putAdditionalBodyProperty("text", JsonValue.from(
                Map.of("format", Map.of("type", "json_schema", "name", "x", "schema", Map.of())))).build());
        refused.put("tools[0].type", params("hi").putAdditionalBodyProperty("tools", JsonValue.from(
                List.of(Map.of("type", "web_search")))).build());
        refused.put("tools[0].name", params("hi").putAdditionalBodyProperty("tools", JsonValue.from(
                List.of(Map.of("type", "function", "name", "bad name!")))).build());
        refused.put("tool_choice", params("hi").putAdditionalBodyProperty("tool_choice",
                JsonValue.from("required")).build()); // without tools
        // the chat completions' image path, whose model here (the stand-in) takes no pictures
        refused.put("input[0].content[1].image_url", ResponseCreateParams.builder().model(MODEL)
                .putAdditionalBodyProperty("input", JsonValue.from(List.of(Map.of("role", "user", "content", List.of(
                        Map.of("type", "input_text", "text", "What is this?"),
                        Map.of("type", "input_image", "image_url", "https://example.com/a.png")))))).build());
        refused.put("input[1].output", ResponseCreateParams.builder().model(MODEL)
                .putAdditionalBodyProperty("input", JsonValue.from(List.of(
                        Map.of("type", "function_call", "call_id", "call_1", "name", "get_weather",
                                "arguments", "{\"city\":\"Paris\"}"),
                        Map.of("type", "function_call_output", "call_id", "call_1"))))
                .build());
        refused.put("include", params("hi").putAdditionalBodyProperty("include",
                JsonValue.from(List.of("reasoning.encrypted_content"))).build());
        refused.put("truncation", params("hi").putAdditionalBodyProperty("truncation", JsonValue.from("auto"))
                .build());
        refused.put("reasoning", params("hi").putAdditionalBodyProperty("reasoning",
                JsonValue.from(Map.of("effort", "high"))).build());
        refused.put("max_output_tokens", params("hi").maxOutputTokens(0).build());
        refused.put("input", ResponseCreateParams.builder().model(MODEL).build());
        refused.forEach((param, p) -> {
            BadRequestException e = assertThrows(BadRequestException.class, () -> client.responses().create(p),
                    param);
            assertEquals(400, e.statusCode());
            assertEquals(param, e.param().orElse(""), param + ": " + e.getMessage());
            if (param.equals("background") || param.equals("previous_response_id")) {
                assertTrue(e.getMessage().contains("gateway.queue.enabled"), "names the setting: " + e.getMessage());
            }
        });
    }

    /** Without the queue nothing is stored: reading a response is a 404 that says why. */
    @Test
    void withoutTheQueueAStoredResponseCannotBeReadAndTheAnswerSaysWhy() throws Exception {
        Response r = client.responses().create(params("Hi [standin:length=2]").build());
        var e = assertThrows(com.openai.errors.NotFoundException.class, () -> client.responses().retrieve(r.id()));
        assertTrue(e.getMessage().contains("gateway.queue.enabled"), e.getMessage());
        HttpResponse<String> list = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(base() + "/v1/responses/" + r.id() + "/input_items")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, list.statusCode());
    }

    /** A failure after the stream began is an error event, then response.failed; the stream then ends. */
    @Test
    void aFailureMidStreamIsAnErrorEventThenResponseFailed() {
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (var stream = client.responses().createStreaming(params("fail [standin:error_at=2] [standin:length=20]")
                .build())) {
            stream.stream().forEach(events::add);
        }
        List<String> types = events.stream().map(ResponsesApiTest::type).toList();
        assertEquals("error", types.get(types.size() - 2), types.toString());
        assertEquals("response.failed", types.get(types.size() - 1));
        assertFalse(events.get(events.size() - 2).error().orElseThrow().message().isBlank());
        Response failed = events.get(events.size() - 1).failed().orElseThrow().response();
        assertEquals(ResponseStatus.FAILED, failed.status().orElseThrow());
        assertFalse(failed.error().orElseThrow().message().isBlank());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, sequenceNumber(events.get(i)));
        }
    }

    /** The SSE framing OpenAI uses: an {@code event:} line naming each event's type before its data. */
    @Test
    void eachEventNamesItsTypeOnItsEventLine() throws Exception {
        HttpResponse<String> r = Sse.post(base(), "/v1/responses", "{\"model\":\"" + MODEL
                + "\",\"stream\":true,\"input\":\"Hi [standin:length=3]\"}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        String[] blocks = r.body().split("\n\n");
        int checked = 0;
        for (String block : blocks) {
            if (block.isBlank() || block.startsWith(":")) {
                continue;
            }
            String[] lines = block.split("\n");
            assertTrue(lines[0].startsWith("event: "), block);
            assertEquals(lines[0].substring(7), Sse.JSON.readTree(lines[1].substring(6)).get("type").asText());
            checked++;
        }
        assertTrue(checked >= 9, r.body());
        assertFalse(r.body().contains("[DONE]"));
    }

    /** A client that leaves mid-stream, or before a non-streamed answer, frees the engine's slot at once. */
    @Test
    void aClientThatLeavesCancelsTheGeneration() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        String slow = "\"Slow answer [standin:itl_ms=100] [standin:length=500]\"";
        long cancelledBefore = counters.cancelled();
        try (Socket socket = Sse.rawPost(root.getPort(), "/v1/responses",
                "{\"model\":\"" + MODEL + "\",\"stream\":true,\"input\":" + slow + "}")) {
            assertEquals(6, Sse.readDataLines(socket, 6), "the stream started");
        }
        await().atMost(Duration.ofSeconds(1)).until(() -> counters.cancelled() > cancelledBefore);

        long cancelledAfterStream = counters.cancelled();
        long startedBefore = counters.started();
        try (Socket socket = Sse.rawPost(root.getPort(), "/v1/responses",
                "{\"model\":\"" + MODEL + "\",\"input\":" + slow + "}")) {
            await().atMost(Duration.ofSeconds(5)).until(() -> counters.started() > startedBefore);
        }
        await().atMost(Duration.ofSeconds(1)).until(() -> counters.cancelled() > cancelledAfterStream);
    }

    static String type(ResponseStreamEvent e) {
        return e.created().map(x -> "response.created")
                .or(() -> e.inProgress().map(x -> "response.in_progress"))
                .or(() -> e.outputItemAdded().map(x -> "response.output_item.added"))
                .or(() -> e.contentPartAdded().map(x -> "response.content_part.added"))
                .or(() -> e.outputTextDelta().map(x -> "response.output_text.delta"))
                .or(() -> e.outputTextDone().map(x -> "response.output_text.done"))
                .or(() -> e.functionCallArgumentsDelta().map(x -> "response.function_call_arguments.delta"))
                .or(() -> e.functionCallArgumentsDone().map(x -> "response.function_call_arguments.done"))
                .or(() -> e.contentPartDone().map(x -> "response.content_part.done"))
                .or(() -> e.outputItemDone().map(x -> "response.output_item.done"))
                .or(() -> e.completed().map(x -> "response.completed"))
                .or(() -> e.incomplete().map(x -> "response.incomplete"))
                .or(() -> e.failed().map(x -> "response.failed"))
                .or(() -> e.error().map(x -> "error"))
                .orElse("unexpected: " + e);
    }

    static long sequenceNumber(ResponseStreamEvent e) {
        return e.created().map(x -> x.sequenceNumber())
                .or(() -> e.inProgress().map(x -> x.sequenceNumber()))
                .or(() -> e.outputItemAdded().map(x -> x.sequenceNumber()))
                .or(() -> e.contentPartAdded().map(x -> x.sequenceNumber()))
                .or(() -> e.outputTextDelta().map(x -> x.sequenceNumber()))
                .or(() -> e.outputTextDone().map(x -> x.sequenceNumber()))
                .or(() -> e.functionCallArgumentsDelta().map(x -> x.sequenceNumber()))
                .or(() -> e.functionCallArgumentsDone().map(x -> x.sequenceNumber()))
                .or(() -> e.contentPartDone().map(x -> x.sequenceNumber()))
                .or(() -> e.outputItemDone().map(x -> x.sequenceNumber()))
                .or(() -> e.completed().map(x -> x.sequenceNumber()))
                .or(() -> e.incomplete().map(x -> x.sequenceNumber()))
                .or(() -> e.failed().map(x -> x.sequenceNumber()))
                .or(() -> e.error().map(x -> x.sequenceNumber()))
                .orElseThrow();
    }
}
