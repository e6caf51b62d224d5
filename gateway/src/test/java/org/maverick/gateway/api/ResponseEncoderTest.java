package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.openai.core.ObjectMappers;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseOutputMessage;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.generation.FinishReason;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.Usage;
import org.maverick.gateway.protocol.responses.ResponseSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Responses API's SSE frames on their own, read back with the official SDK's own event classes. */
class ResponseEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResponseEncoder encoder() {
        Generation g = new Generation("resp_1", "llama-4-maverick", Generation.Kind.CHAT, "p", 3, false,
                new Generation.Sampling(16, 0.6, 0.9, 0, 0, OptionalLong.empty()), List.of(), true, false, 100L,
                Generation.Dispatch.DIRECT, "anonymous");
        return new ResponseEncoder(g, new ResponseSettings(null, 16, true, 0.6, 0.9, TextNode.valueOf("auto"),
                List.of(), null, Map.of(), true), JSON);
    }

    /** Splits frames into events, checking that each event line names the data's type, and parses them. */
    private static List<ResponseStreamEvent> events(String frames) throws Exception {
        List<ResponseStreamEvent> out = new ArrayList<>();
        for (String block : frames.split("\n\n")) {
            String[] lines = block.split("\n");
            String data = lines[1].substring("data: ".length());
            assertEquals(lines[0].substring("event: ".length()), JSON.readTree(data).get("type").asText());
            ResponseStreamEvent e = ObjectMappers.jsonMapper().readValue(data, ResponseStreamEvent.class);
            e.validate(); // every field the SDK requires is there
            out.add(e);
        }
        return out;
    }

    private static ResponseEncoder background() {
        return new ResponseEncoder("resp_bg", 100L, "llama-4-maverick", new ResponseSettings(null, 16, true, 0.6, 0.9,
                TextNode.valueOf("auto"), List.of(), null, Map.of(), true, true, null), JSON, true);
    }

    private static String run(ResponseEncoder e) {
        return e.opening() + e.token("Hel") + e.token("lo")
                + e.finish(new GenerationEvent.Finished(FinishReason.STOP, new Usage(3, 2, false)));
    }

    /** A background stream opens queued, is in progress with the run's first event, and replays identically. */
    @Test
    void aBackgroundStreamOpensQueuedAndReplaysByteForByte() throws Exception {
        String first = run(background());
        List<ResponseStreamEvent> events = events(first);
        assertEquals("response.created", JSON.readTree(first.split("\n")[1].substring(6)).get("type").asText());
        assertTrue(events.get(0).asCreated().response().status().orElseThrow().toString().equals("queued"));
        assertTrue(events.get(1).isQueued());
        assertTrue(events.get(2).isInProgress());
        assertEquals(first, run(background()), "the same events give the same frames, ids included");
        String rest = run(background().startingAfter(4));
        assertTrue(first.endsWith(rest), "starting_after leaves out exactly the events up to it");
        assertEquals(5, JSON.readTree(rest.split("\n")[1].substring(6)).get("sequence_number").asInt());
        assertEquals(events(first).size() - 5, events(rest).size());
    }

    @Test
    void numbersEveryEventFromZeroAndEscapesTheDelta() throws Exception {
        ResponseEncoder e = encoder();
        String frames = e.opening() + e.token("Hello \"q\"\n") + e.token("w\u00f6rld")
                + e.finish(new GenerationEvent.Finished(FinishReason.STOP, new Usage(3, 2, false)));
        List<ResponseStreamEvent> events = events(frames);
        assertEquals(10, events.size());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, ResponsesApiTest.sequenceNumber(events.get(i)));
        }
        assertEquals("Hello \"q\"\n", events.get(4).outputTextDelta().orElseThrow().delta());
        assertEquals("Hello \"q\"\nw\u00f6rld", events.get(6).outputTextDone().orElseThrow().text());
        var done = events.get(9).completed().orElseThrow().response();
        assertEquals(5, done.usage().orElseThrow().totalTokens());
        assertEquals(ResponseStatus.COMPLETED, done.status().orElseThrow());
    }

    @Test
    void aLengthFinishEndsWithResponseIncomplete() throws Exception {
        ResponseEncoder e = encoder();
        List<ResponseStreamEvent> events = events(e.opening() + e.token("a")
                + e.finish(new GenerationEvent.Finished(FinishReason.LENGTH, new Usage(3, 16, false))));
        var last = events.get(events.size() - 1).incomplete().orElseThrow().response();
        assertEquals("max_output_tokens", last.incompleteDetails().orElseThrow().reason().orElseThrow().asString());
    }

    @Test
    void aFailureIsAnErrorEventThenResponseFailed() throws Exception {
        ResponseEncoder e = encoder();
        List<ResponseStreamEvent> events = events(e.opening() + e.token("x")
                + e.failure(new GatewayException.Timeout("too slow")));
        var error = events.get(5).error().orElseThrow();
        assertEquals("too slow", error.message());
        assertEquals("timeout", error.code().orElseThrow());
        assertEquals(5, error.sequenceNumber());
        var failed = events.get(6).failed().orElseThrow().response();
        assertEquals("server_error", failed.error().orElseThrow().code().asString());
    }

    private static final GenerationEvent.Finished TOOL_CALLS =
            new GenerationEvent.Finished(FinishReason.TOOL_CALLS, new Usage(3, 9, false));

    /** Text, then two calls, then text again: four items at rising indexes, each finished before the next. */
    @Test
    void callsAreFunctionCallItemsInOrderWithTheMessages() throws Exception {
        ResponseEncoder e = encoder();
        String frames = e.opening() + e.token("Let me look. ")
                + e.toolCall(new GenerationEvent.ToolCall(0, "call_a", "get_weather", "{\"city\":\"Paris\"}"))
                + e.toolCall(new GenerationEvent.ToolCall(1, "call_b", "get_time", "{\"city\":\"Z\u00fcrich\"}"))
                + e.token("Done.") + e.finish(TOOL_CALLS);
        List<ResponseStreamEvent> events = events(frames);
        List<String> types = events.stream().map(ResponsesApiTest::type).toList();
        List<String> call = List.of("response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done");
        List<String> expected = new ArrayList<>(List.of("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done"));
        expected.addAll(call);
        expected.addAll(call);
        expected.addAll(List.of("response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed"));
        assertEquals(expected, types);
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, ResponsesApiTest.sequenceNumber(events.get(i)), types.get(i));
        }
        var added = events.get(8).outputItemAdded().orElseThrow();
        assertEquals(1, added.outputIndex());
        var pending = added.item().functionCall().orElseThrow();
        assertEquals("", pending.arguments());
        assertEquals(ResponseFunctionToolCall.Status.IN_PROGRESS, pending.status().orElseThrow());
        var delta = events.get(9).functionCallArgumentsDelta().orElseThrow();
        assertEquals("{\"city\":\"Paris\"}", delta.delta());
        assertEquals(pending.id().orElseThrow(), delta.itemId());
        var argsDone = events.get(10).functionCallArgumentsDone().orElseThrow();
        assertEquals(1, argsDone.outputIndex());
        assertEquals("{\"city\":\"Paris\"}", argsDone.arguments());
        var second = events.get(15).outputItemDone().orElseThrow();
        assertEquals(2, second.outputIndex());
        assertEquals("call_b", second.item().functionCall().orElseThrow().callId());
        assertEquals(3, events.get(17).contentPartAdded().orElseThrow().outputIndex());
        assertEquals(3, events.get(18).outputTextDelta().orElseThrow().outputIndex());

        var done = events.get(events.size() - 1).completed().orElseThrow().response();
        assertEquals(ResponseStatus.COMPLETED, done.status().orElseThrow());
        assertEquals(4, done.output().size());
        assertEquals("Let me look. ", done.output().get(0).asMessage().content().get(0).asOutputText().text());
        ResponseFunctionToolCall first = done.output().get(1).asFunctionCall();
        assertTrue(first.id().orElseThrow().startsWith("fc_"), first.id().toString());
        assertEquals("call_a", first.callId());
        assertEquals("get_weather", first.name());
        assertEquals(ResponseFunctionToolCall.Status.COMPLETED, first.status().orElseThrow());
        assertEquals(pending.id(), first.id());
        assertEquals("get_time", done.output().get(2).asFunctionCall().name());
        assertEquals("Done.", done.output().get(3).asMessage().content().get(0).asOutputText().text());
        assertEquals(12, done.usage().orElseThrow().totalTokens());
        // The SDK's own accumulator rebuilds the same output from the events alone.
        ResponseAccumulator acc = ResponseAccumulator.createWithSnapshots();
        events.forEach(acc::accumulate);
        assertEquals(done.output(), acc.reconstructedResponse().output());
    }

    /** An answer that is only a call has no message item; an empty answer is one empty message. */
    @Test
    void aCallOnlyAnswerHasNoMessageAndAnEmptyAnswerHasOne() throws Exception {
        ResponseEncoder e = encoder();
        List<ResponseStreamEvent> events = events(e.opening()
                + e.toolCall(new GenerationEvent.ToolCall(0, "call_a", "get_weather", "{}")) + e.finish(TOOL_CALLS));
        var done = events.get(events.size() - 1).completed().orElseThrow().response();
        assertEquals(1, done.output().size());
        assertEquals(0, events.get(2).outputItemAdded().orElseThrow().outputIndex());
        assertTrue(done.output().get(0).isFunctionCall());

        ResponseEncoder empty = encoder();
        var nothing = events(empty.opening() + empty.finish(new GenerationEvent.Finished(FinishReason.STOP,
                new Usage(3, 0, false))));
        assertEquals(8, nothing.size());
        var message = nothing.get(7).completed().orElseThrow().response().output().get(0).asMessage();
        assertEquals("", message.content().get(0).asOutputText().text());
    }

    /** The non-streamed answer lists the same items in the same order; a cut message is incomplete. */
    @Test
    void aNonStreamedAnswerListsItsItemsInOrder() throws Exception {
        ResponseEncoder e = encoder();
        e.collectText("Let me ");
        e.collectText("look.");
        e.collectCall(new GenerationEvent.ToolCall(0, "call_a", "get_weather", "{\"city\":\"Paris\"}"));
        e.collectText("More");
        var r = ObjectMappers.jsonMapper().readValue(JSON.writeValueAsString(e.response(
                new GenerationEvent.Finished(FinishReason.LENGTH, new Usage(3, 16, false)))),
                com.openai.models.responses.Response.class);
        r.validate();
        assertEquals(ResponseStatus.INCOMPLETE, r.status().orElseThrow());
        assertEquals(3, r.output().size());
        assertEquals("Let me look.", r.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(ResponseOutputMessage.Status.COMPLETED, r.output().get(0).asMessage().status());
        assertEquals("call_a", r.output().get(1).asFunctionCall().callId());
        assertEquals("{\"city\":\"Paris\"}", r.output().get(1).asFunctionCall().arguments());
        assertEquals(ResponseOutputMessage.Status.INCOMPLETE, r.output().get(2).asMessage().status());

        ResponseEncoder empty = encoder();
        var nothing = empty.response(new GenerationEvent.Finished(FinishReason.STOP, new Usage(1, 0, false)));
        assertEquals(1, nothing.output().size());
    }
}
