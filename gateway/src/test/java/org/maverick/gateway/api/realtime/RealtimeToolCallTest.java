package org.maverick.gateway.api.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.gateway.support.WsClient;

import java.net.URL;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A WebSocket generation with tools: whole calls as {@code tool_call} events, then {@code done} with tool_calls. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class RealtimeToolCallTest {

    @TestHTTPResource
    URL base;

    @Test
    void toolCallsArriveAsWholeEventsBeforeDone() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}}}}},{\"type\":\"function\",\"function\":{\"name\":"
                + "\"get-time\"}}]";
        try (WsClient ws = WsClient.connect(base)) {
            ws.send("{\"type\":\"create\",\"id\":\"t1\",\"request\":{\"model\":\"llama-4-maverick\",\"tools\":" + tools
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather? [standin:tool_call=parallel]\"}]}}");
            JsonNode done = ws.awaitEvent("done", "t1");
            assertEquals("tool_calls", done.path("finish_reason").asText(), done.toString());
            List<JsonNode> calls = ws.events("tool_call", "t1");
            assertEquals(2, calls.size(), ws.events().toString());
            JsonNode first = calls.get(0).path("tool_call");
            assertEquals(0, first.path("index").asInt());
            assertTrue(first.path("id").asText().startsWith("call_"));
            assertEquals("function", first.path("type").asText());
            assertEquals("get_weather", first.path("function").path("name").asText());
            assertEquals(Sse.JSON.readTree("{\"city\":\"Paris\"}"),
                    Sse.JSON.readTree(first.path("function").path("arguments").asText()));
            JsonNode second = calls.get(1).path("tool_call");
            assertEquals(1, second.path("index").asInt());
            assertEquals("get-time", second.path("function").path("name").asText(), "the client's name, not _get_time");
            assertTrue(ws.events("chunk", "t1").isEmpty(), "no text beside the calls");
            // a refused tool field is the HTTP edge's error, naming the field inside request
            ws.send("{\"type\":\"create\",\"id\":\"t2\",\"request\":{\"model\":\"llama-4-maverick\",\"tools\":" + tools
                    + ",\"tool_choice\":\"sometimes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}");
            JsonNode error = ws.awaitEvent("error", "t2");
            assertEquals("tool_choice", error.path("error").path("param").asText(), error.toString());
        }
    }
}
