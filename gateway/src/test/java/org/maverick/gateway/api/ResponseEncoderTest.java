package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.openai.core.ObjectMappers;
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
        List<ResponseStreamEvent> events = events(e.opening() + e.failure(new GatewayException.Timeout("too slow")));
        var error = events.get(4).error().orElseThrow();
        assertEquals("too slow", error.message());
        assertEquals("timeout", error.code().orElseThrow());
        assertEquals(4, error.sequenceNumber());
        var failed = events.get(5).failed().orElseThrow().response();
        assertEquals("server_error", failed.error().orElseThrow().code().asString());
        assertTrue(e.response("x", new GenerationEvent.Finished(FinishReason.STOP, new Usage(1, 1, false)))
                .output().size() == 1);
    }
}
