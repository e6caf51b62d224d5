package org.maverick.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.generation.FinishReason;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.RequestIds;
import org.maverick.gateway.protocol.responses.Response;
import org.maverick.gateway.protocol.responses.ResponseOutputItem;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseFunctionToolCall;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseOutputMessage;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseOutputText;
import org.maverick.gateway.protocol.responses.ResponseSettings;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseContentPartEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseErrorEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseFunctionCallArgumentsDeltaEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseFunctionCallArgumentsDoneEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseOutputItemEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseStatusEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseTextDoneEvent;
import org.maverick.gateway.protocol.responses.ResponseUsage;

import java.util.ArrayList;
import java.util.List;

/**
 * One Responses API answer: the response object (whole, for a non-streamed answer) and, for a stream, its
 * semantic events with a {@code sequence_number} rising by one from 0. The answer is a list of output items at
 * rising output indexes, in the order the model wrote them: an assistant message (one {@code output_text} part,
 * content index 0) for each run of text, and a {@code function_call} item for each parsed tool call. An item is
 * finished before the next one starts (OpenAI's streams never interleave items), so text after a call is a new
 * message. An answer with neither text nor calls is one empty message. A {@code length} finish makes the
 * response {@code incomplete} with reason {@code max_output_tokens}. Not thread-safe: a stream's frames are
 * written on its event loop only; a non-streamed answer is gathered with {@link #collectText}/{@link #collectCall}.
 */
final class ResponseEncoder implements SseFrames {

    /** Prefix of a function_call item's id (its {@code call_id} is the generation's {@code call_…}). */
    static final String FUNCTION_CALL_ITEM = "fc_";

    private final Generation generation;
    private final ResponseSettings settings;
    private final ObjectMapper json;
    /** The finished items, in output index order. */
    private final List<ResponseOutputItem> items = new ArrayList<>();
    /** The message text is being written into, or null between items. */
    private OpenMessage open;
    private long sequence;

    /** A message item still receiving text; {@code deltaHead} is the fixed start of each of its delta events. */
    private static final class OpenMessage {
        final String id = RequestIds.next("msg_");
        final int index;
        final StringBuilder text = new StringBuilder();
        final String deltaHead;

        OpenMessage(int index) {
            this.index = index;
            // The token path builds one string per token around this fixed head, as ChunkEncoder does for chat.
            this.deltaHead = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                    + "\"item_id\":\"" + id + "\",\"output_index\":" + index + ",\"content_index\":0,"
                    + "\"logprobs\":[],\"delta\":\"";
        }
    }

    ResponseEncoder(Generation generation, ResponseSettings settings, ObjectMapper json) {
        this.generation = generation;
        this.settings = settings;
        this.json = json;
    }

    /** Text of a non-streamed answer. */
    void collectText(String delta) {
        if (open == null) {
            open = new OpenMessage(items.size());
        }
        open.text.append(delta);
    }

    /** A tool call of a non-streamed answer. */
    void collectCall(GenerationEvent.ToolCall call) {
        if (open != null) {
            closeMessage(Response.COMPLETED);
        }
        addCall(call);
    }

    /** The whole response of a non-streamed answer, once everything was collected. */
    Response response(GenerationEvent.Finished f) {
        String status = status(f);
        if (open != null || items.isEmpty()) {
            if (open == null) {
                open = new OpenMessage(items.size());
            }
            closeMessage(status);
        }
        return response(status, List.copyOf(items), ResponseUsage.of(f.usage()), null);
    }

    @Override
    public String opening() {
        Response inProgress = response(Response.IN_PROGRESS, List.of(), null, null);
        return event(new ResponseStatusEvent("response.created", inProgress, sequence++))
                + event(new ResponseStatusEvent("response.in_progress", inProgress, sequence++));
    }

    @Override
    public String token(String delta) {
        String opened = open == null ? openMessage() : "";
        open.text.append(delta);
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(delta);
        return new StringBuilder(opened.length() + open.deltaHead.length() + escaped.length + 40).append(opened)
                .append(open.deltaHead).append(escaped).append("\",\"sequence_number\":").append(sequence++)
                .append("}\n\n").toString();
    }

    /**
     * A whole call as OpenAI streams one: the item added (no arguments yet), the arguments (in one delta, since
     * a call only arrives once it parsed completely), their done event, the item done. A message still open
     * before it is finished first.
     */
    @Override
    public String toolCall(GenerationEvent.ToolCall call) {
        String closed = open == null ? "" : messageDone(Response.COMPLETED);
        ResponseFunctionToolCall item = addCall(call);
        int index = items.size() - 1;
        return closed
                + event(new ResponseOutputItemEvent("response.output_item.added", index,
                        ResponseFunctionToolCall.of(item.id(), Response.IN_PROGRESS, item.callId(), item.name(), ""),
                        sequence++))
                + event(new ResponseFunctionCallArgumentsDeltaEvent("response.function_call_arguments.delta",
                        item.id(), index, item.arguments(), sequence++))
                + event(new ResponseFunctionCallArgumentsDoneEvent("response.function_call_arguments.done",
                        item.id(), index, item.name(), item.arguments(), sequence++))
                + event(new ResponseOutputItemEvent("response.output_item.done", index, item, sequence++));
    }

    @Override
    public String finish(GenerationEvent.Finished f) {
        String status = status(f);
        StringBuilder out = new StringBuilder();
        if (open == null && items.isEmpty()) {
            out.append(openMessage()); // an empty answer is still one (empty) message
        }
        if (open != null) {
            out.append(messageDone(status));
        }
        Response done = response(status, List.copyOf(items), ResponseUsage.of(f.usage()), null);
        String last = status.equals(Response.COMPLETED) ? "response.completed" : "response.incomplete";
        return out.append(event(new ResponseStatusEvent(last, done, sequence++))).toString();
    }

    private static String status(GenerationEvent.Finished f) {
        return f.reason() == FinishReason.LENGTH ? Response.INCOMPLETE : Response.COMPLETED;
    }

    /** Opens a message at the next output index: its item and its (empty) text part are added. */
    private String openMessage() {
        open = new OpenMessage(items.size());
        return event(new ResponseOutputItemEvent("response.output_item.added", open.index,
                ResponseOutputMessage.of(open.id, Response.IN_PROGRESS, List.of()), sequence++))
                + event(new ResponseContentPartEvent("response.content_part.added", open.id, open.index, 0,
                        ResponseOutputText.of(""), sequence++));
    }

    /** Finishes the open message: its text done, its part done, the item done. */
    private String messageDone(String status) {
        OpenMessage m = open;
        ResponseOutputMessage item = closeMessage(status);
        String text = item.content().get(0).text();
        return event(new ResponseTextDoneEvent("response.output_text.done", m.id, m.index, 0, text, List.of(),
                sequence++))
                + event(new ResponseContentPartEvent("response.content_part.done", m.id, m.index, 0,
                        item.content().get(0), sequence++))
                + event(new ResponseOutputItemEvent("response.output_item.done", m.index, item, sequence++));
    }

    private ResponseOutputMessage closeMessage(String status) {
        ResponseOutputMessage item = ResponseOutputMessage.of(open.id, status,
                List.of(ResponseOutputText.of(open.text.toString())));
        items.add(item);
        open = null;
        return item;
    }

    private ResponseFunctionToolCall addCall(GenerationEvent.ToolCall call) {
        ResponseFunctionToolCall item = ResponseFunctionToolCall.of(RequestIds.next(FUNCTION_CALL_ITEM),
                Response.COMPLETED, call.id(), call.name(), call.arguments());
        items.add(item);
        return item;
    }

    /**
     * A stream that fails after it began: OpenAI's {@code error} event, then {@code response.failed} with the
     * response's {@code error}, so a client that waits for a terminal response event gets one too.
     */
    @Override
    public String failure(GatewayException e) {
        String code = e.status() == 429 ? "rate_limit_exceeded" : "server_error";
        Response failed = response(Response.FAILED, List.of(), null, new Response.ResponseError(code, e.getMessage()));
        return event(new ResponseErrorEvent("error", e.code(), e.getMessage(), e.param().orElse(null), sequence++))
                + event(new ResponseStatusEvent("response.failed", failed, sequence++));
    }

    /** The Responses API has no resume by {@code Last-Event-ID} yet; the chat resume URL would replay chat chunks. */
    @Override
    public boolean resumable() {
        return false;
    }

    private Response response(String status, List<ResponseOutputItem> output, ResponseUsage usage,
                              Response.ResponseError error) {
        Response.IncompleteDetails incomplete = Response.INCOMPLETE.equals(status)
                ? new Response.IncompleteDetails("max_output_tokens") : null;
        return new Response(generation.requestId(), Response.OBJECT, generation.createdEpochSeconds(), status, error,
                incomplete, settings.instructions(), settings.maxOutputTokens(), generation.modelId(), output,
                settings.parallelToolCalls(), null, null, false, false, settings.temperature(),
                Response.ResponseTextConfig.TEXT, settings.toolChoice(), settings.tools(), settings.topP(), "disabled",
                usage, settings.user(), settings.metadata());
    }

    private String event(ResponseStreamEvent event) {
        try {
            return "event: " + event.type() + "\ndata: " + json.writeValueAsString(event) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
