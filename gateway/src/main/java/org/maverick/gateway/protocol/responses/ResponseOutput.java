package org.maverick.gateway.protocol.responses;

import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseFunctionToolCall;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseOutputMessage;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseOutputText;

import java.util.ArrayList;
import java.util.List;

/**
 * A response's output items as the model writes them: an assistant message for each run of text, a
 * {@code function_call} item for each call, each finished before the next starts (OpenAI's streams never interleave
 * items), and one empty message when the answer has neither text nor calls.
 *
 * <p>Item ids are derived from the response id and the item's output index ({@code msg_<id>_<index>},
 * {@code fc_<id>_<index>}), so the same events always give the same items: a stream replayed from Kafka, the
 * response stored by whichever instance aggregated it, and the stream its first client saw name the same items.
 * Not thread-safe.
 */
public final class ResponseOutput {

    /** Prefix of a message item's id. */
    public static final String MESSAGE_ITEM = "msg_";
    /** Prefix of a function_call item's id (its {@code call_id} is the generation's {@code call_…}). */
    public static final String FUNCTION_CALL_ITEM = "fc_";

    private final String base;
    private final List<ResponseOutputItem> items = new ArrayList<>();
    private StringBuilder open;
    private String openId;

    public ResponseOutput(String responseId) {
        this.base = responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
    }

    /** Whether a message is receiving text. */
    public boolean messageOpen() {
        return open != null;
    }

    /** Opens a message at the next output index; returns its id. */
    public String openMessage() {
        open = new StringBuilder();
        openId = MESSAGE_ITEM + base + "_" + items.size();
        return openId;
    }

    /** The open message's id (null when none is open). */
    public String openId() {
        return openId;
    }

    /** The output index the open message has, or the next item gets. */
    public int nextIndex() {
        return items.size();
    }

    /** Text of the open message (opened if none is). */
    public void text(String delta) {
        if (open == null) {
            openMessage();
        }
        open.append(delta);
    }

    /** Finishes the open message with {@code status}. */
    public ResponseOutputMessage closeMessage(String status) {
        ResponseOutputMessage item = ResponseOutputMessage.of(openId, status,
                List.of(ResponseOutputText.of(open.toString())));
        items.add(item);
        open = null;
        openId = null;
        return item;
    }

    /** A whole call: the open message is finished first. */
    public ResponseFunctionToolCall call(String callId, String name, String arguments) {
        if (open != null) {
            closeMessage(Response.COMPLETED);
        }
        ResponseFunctionToolCall item = ResponseFunctionToolCall.of(FUNCTION_CALL_ITEM + base + "_" + items.size(),
                Response.COMPLETED, callId, name, arguments);
        items.add(item);
        return item;
    }

    /** Whether nothing was written yet. */
    public boolean empty() {
        return items.isEmpty() && open == null;
    }

    /** The finished items so far (an open message is not among them). */
    public List<ResponseOutputItem> items() {
        return List.copyOf(items);
    }

    /** Everything, the open message finished with {@code status}; an empty answer is one empty message. */
    public List<ResponseOutputItem> finish(String status) {
        if (open == null && items.isEmpty()) {
            openMessage();
        }
        if (open != null) {
            closeMessage(status);
        }
        return List.copyOf(items);
    }

    /** What was written so far, an open message included as it stands, without finishing anything. */
    public List<ResponseOutputItem> snapshot(String status) {
        List<ResponseOutputItem> out = new ArrayList<>(items);
        if (open != null) {
            out.add(ResponseOutputMessage.of(openId, status, List.of(ResponseOutputText.of(open.toString()))));
        }
        return out;
    }
}
