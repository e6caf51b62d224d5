package org.maverick.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request's input as listed items, and a stored response as the conversation that continues it. */
class InputItemsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aStringIsOneUserMessageWithAnInputTextPart() throws Exception {
        List<JsonNode> items = InputItems.of("resp_1", JSON.readTree("\"Hello\""));
        assertEquals(1, items.size());
        JsonNode m = items.get(0);
        assertEquals("msg_1_in0", m.path("id").asText());
        assertEquals("user", m.path("role").asText());
        assertEquals("completed", m.path("status").asText());
        assertEquals("input_text", m.path("content").get(0).path("type").asText());
        assertEquals("Hello", m.path("content").get(0).path("text").asText());
    }

    @Test
    void itemsKeepTheirOwnIdsAndGetTheShapesTheSdksParse() throws Exception {
        List<JsonNode> items = InputItems.of("resp_2", JSON.readTree("""
                [{"role":"system","content":"Be brief."},
                 {"role":"assistant","content":"Earlier answer"},
                 {"type":"function_call","id":"fc_own","call_id":"call_9","name":"f","arguments":"{}"},
                 {"type":"function_call_output","call_id":"call_9","output":"42"},
                 {"type":"message","role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AA"}]}]
                """));
        assertEquals(List.of("msg_2_in0", "msg_2_in1", "fc_own", "fco_2_in3", "msg_2_in4"),
                items.stream().map(i -> i.path("id").asText()).toList());
        JsonNode assistant = items.get(1).path("content").get(0);
        assertEquals("output_text", assistant.path("type").asText());
        assertTrue(assistant.path("annotations").isArray());
        assertEquals("completed", items.get(3).path("status").asText());
        assertEquals("auto", items.get(4).path("content").get(0).path("detail").asText());
    }

    @Test
    void aStoredResponseContinuesAsItsInputThenItsOutput() throws Exception {
        ObjectNode response = (ObjectNode) JSON.readTree("""
                {"id":"resp_3","status":"completed","output":[{"id":"msg_3_0","type":"message","role":"assistant",
                 "status":"completed","content":[{"type":"output_text","text":"Ada","annotations":[]}]}]}""");
        StoredResponse s = new StoredResponse(1, "resp_3", "t", 0, 0, false, null,
                InputItems.of("resp_3", JSON.readTree("\"Name?\"")), response);
        List<JsonNode> conversation = InputItems.conversation(s);
        assertEquals(2, conversation.size());
        assertEquals("Name?", conversation.get(0).path("content").get(0).path("text").asText());
        assertEquals("Ada", conversation.get(1).path("content").get(0).path("text").asText());
    }
}
