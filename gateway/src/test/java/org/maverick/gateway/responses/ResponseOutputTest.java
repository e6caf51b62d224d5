package org.maverick.gateway.responses;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.protocol.responses.ResponseOutput;
import org.maverick.gateway.protocol.responses.ResponseOutputItem;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseFunctionToolCall;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseOutputMessage;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output items with ids derived from the response id: the same events always give the same items. */
class ResponseOutputTest {

    @Test
    void textCallsAndTextAgainAreThreeItemsWithDerivedIds() {
        ResponseOutput out = new ResponseOutput("resp_xyz");
        out.text("Hi ");
        out.text("there");
        ResponseFunctionToolCall call = out.call("call_1", "f", "{}");
        out.text("after");
        List<ResponseOutputItem> items = out.finish("completed");
        assertEquals(3, items.size());
        assertEquals("msg_xyz_0", items.get(0).id());
        assertEquals("Hi there", ((ResponseOutputMessage) items.get(0)).content().get(0).text());
        assertEquals("fc_xyz_1", call.id());
        assertEquals("msg_xyz_2", items.get(2).id());
        ResponseOutput again = new ResponseOutput("resp_xyz");
        again.text("Hi there");
        again.call("call_1", "f", "{}");
        again.text("after");
        assertEquals(items, again.finish("completed"), "the same events, the same items");
    }

    @Test
    void anEmptyAnswerIsOneEmptyMessageAndASnapshotFinishesNothing() {
        ResponseOutput out = new ResponseOutput("resp_e");
        assertTrue(out.empty());
        List<ResponseOutputItem> snapshot = out.snapshot("incomplete");
        assertTrue(snapshot.isEmpty());
        out.text("part");
        assertEquals(1, out.snapshot("incomplete").size());
        assertTrue(out.messageOpen(), "a snapshot leaves the message open");
        List<ResponseOutputItem> none = new ResponseOutput("resp_e").finish("completed");
        assertEquals(1, none.size());
        assertEquals("", ((ResponseOutputMessage) none.get(0)).content().get(0).text());
    }
}
