package org.maverick.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.generation.FinishReason;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.protocol.responses.Response;
import org.maverick.gateway.protocol.responses.ResponseOutput;
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
 *
 * <p>Item ids come from the response id ({@link ResponseOutput}), so the same generation events always give the same
 * frames: a background response's stream replayed from Kafka by any instance numbers and names its events exactly
 * as the first stream did, and {@link #startingAfter} leaves out the events a client already had. A background
 * response opens with {@code response.created} and {@code response.queued} (status {@code queued}), and its
 * {@code response.in_progress} comes with the first event of the run.
 */
final class ResponseEncoder implements SseFrames {

    private final String id;
    private final long created;
    private final String model;
    private final ResponseSettings settings;
    private final ObjectMapper json;
    private final ResponseOutput output;
    /** Whether the response is stored (echoed as {@code store}). */
    private final boolean stored;
    /** Events with a sequence number up to this one are not written (a stream picked up again); -1 writes all. */
    private long startingAfter = -1;
    /** Told the response as it ended (completed, incomplete or failed), e.g. to store it; what it returns must
     * complete before the answer's last byte is sent. */
    private java.util.function.Function<Response, io.smallrye.mutiny.Uni<Void>> onEnd = r -> null;
    /** What {@link #onEnd} returned for the end, or null. */
    private io.smallrye.mutiny.Uni<Void> endWrite;
    /** A background response's {@code response.in_progress} is still to come (with the run's first event). */
    private boolean inProgressDue;
    /** The fixed start of each delta event of the open message. */
    private String deltaHead;
    private long sequence;

    ResponseEncoder(Generation generation, ResponseSettings settings, ObjectMapper json) {
        this(generation, settings, json, false);
    }

    ResponseEncoder(Generation generation, ResponseSettings settings, ObjectMapper json, boolean stored) {
        this(generation.requestId(), generation.createdEpochSeconds(), generation.modelId(), settings, json, stored);
    }

    /** A response known by its id, creation time and model (a stored one, its stream replayed). */
    ResponseEncoder(String id, long created, String model, ResponseSettings settings, ObjectMapper json,
                    boolean stored) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.settings = settings;
        this.json = json;
        this.stored = stored;
        this.output = new ResponseOutput(id);
    }

    /** Leaves out the events numbered up to {@code sequenceNumber} (they are still counted). */
    ResponseEncoder startingAfter(long sequenceNumber) {
        this.startingAfter = sequenceNumber;
        return this;
    }

    /**
     * Calls {@code onEnd} with the whole response when the stream or answer ends; the last event (or the
     * non-streamed answer) waits for the {@code Uni} it returns (see {@link #endWrite()}).
     */
    ResponseEncoder onEnd(java.util.function.Function<Response, io.smallrye.mutiny.Uni<Void>> onEnd) {
        this.onEnd = onEnd;
        return this;
    }

    /** What must complete before the last byte of the answer is sent (a stored response's last write), or null. */
    io.smallrye.mutiny.Uni<Void> endWrite() {
        return endWrite;
    }

    private void ended(Response r) {
        endWrite = onEnd.apply(r);
    }

    /** Text of a non-streamed answer. */
    void collectText(String delta) {
        output.text(delta);
    }

    /** A tool call of a non-streamed answer. */
    void collectCall(GenerationEvent.ToolCall call) {
        output.call(call.id(), call.name(), call.arguments());
    }

    /** The whole response of a non-streamed answer, once everything was collected. */
    Response response(GenerationEvent.Finished f) {
        String status = status(f);
        Response done = response(status, output.finish(status), ResponseUsage.of(f.usage()), null);
        ended(done);
        return done;
    }

    /** The response as it stands: its status and the output written so far. */
    Response snapshot(String status) {
        return response(status, output.snapshot(status), null, null);
    }

    /** The response a background request gets at once: {@code queued}, no output yet. */
    Response queued() {
        return response(Response.QUEUED, List.of(), null, null);
    }

    @Override
    public String opening() {
        if (settings.background()) {
            Response queued = queued();
            inProgressDue = true;
            return event(new ResponseStatusEvent("response.created", queued, sequence++))
                    + event(new ResponseStatusEvent("response.queued", queued, sequence++));
        }
        Response inProgress = response(Response.IN_PROGRESS, List.of(), null, null);
        return event(new ResponseStatusEvent("response.created", inProgress, sequence++))
                + event(new ResponseStatusEvent("response.in_progress", inProgress, sequence++));
    }

    /** A background response's {@code response.in_progress}, before the run's first event. */
    private String started() {
        if (!inProgressDue) {
            return "";
        }
        inProgressDue = false;
        return event(new ResponseStatusEvent("response.in_progress",
                response(Response.IN_PROGRESS, List.of(), null, null), sequence++));
    }

    @Override
    public String token(String delta) {
        String before = started();
        String opened = output.messageOpen() ? "" : openMessage();
        output.text(delta);
        long seq = sequence++;
        if (seq <= startingAfter) {
            return before + opened;
        }
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(delta);
        return new StringBuilder(before.length() + opened.length() + deltaHead.length() + escaped.length + 40)
                .append(before).append(opened).append(deltaHead).append(escaped).append("\",\"sequence_number\":")
                .append(seq).append("}\n\n").toString();
    }

    /**
     * A whole call as OpenAI streams one: the item added (no arguments yet), the arguments (in one delta, since
     * a call only arrives once it parsed completely), their done event, the item done. A message still open
     * before it is finished first.
     */
    @Override
    public String toolCall(GenerationEvent.ToolCall call) {
        String before = started();
        String closed = output.messageOpen() ? messageDone(Response.COMPLETED) : "";
        int index = output.nextIndex();
        ResponseFunctionToolCall item = output.call(call.id(), call.name(), call.arguments());
        return before + closed
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
        StringBuilder out = new StringBuilder(started());
        if (output.empty()) {
            out.append(openMessage()); // an empty answer is still one (empty) message
        }
        if (output.messageOpen()) {
            out.append(messageDone(status));
        }
        Response done = response(status, output.items(), ResponseUsage.of(f.usage()), null);
        ended(done);
        String last = status.equals(Response.COMPLETED) ? "response.completed" : "response.incomplete";
        return out.append(event(new ResponseStatusEvent(last, done, sequence++))).toString();
    }

    private static String status(GenerationEvent.Finished f) {
        return f.reason() == FinishReason.LENGTH ? Response.INCOMPLETE : Response.COMPLETED;
    }

    /** Opens a message at the next output index: its item and its (empty) text part are added. */
    private String openMessage() {
        int index = output.nextIndex();
        String id = output.openMessage();
        // The token path builds one string per token around this fixed head, as ChunkEncoder does for chat.
        deltaHead = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                + "\"item_id\":\"" + id + "\",\"output_index\":" + index + ",\"content_index\":0,"
                + "\"logprobs\":[],\"delta\":\"";
        return event(new ResponseOutputItemEvent("response.output_item.added", index,
                ResponseOutputMessage.of(id, Response.IN_PROGRESS, List.of()), sequence++))
                + event(new ResponseContentPartEvent("response.content_part.added", id, index, 0,
                        ResponseOutputText.of(""), sequence++));
    }

    /** Finishes the open message: its text done, its part done, the item done. */
    private String messageDone(String status) {
        String id = output.openId();
        int index = output.nextIndex();
        ResponseOutputMessage item = output.closeMessage(status);
        String text = item.content().get(0).text();
        return event(new ResponseTextDoneEvent("response.output_text.done", id, index, 0, text, List.of(),
                sequence++))
                + event(new ResponseContentPartEvent("response.content_part.done", id, index, 0,
                        item.content().get(0), sequence++))
                + event(new ResponseOutputItemEvent("response.output_item.done", index, item, sequence++));
    }

    /**
     * A stream that fails after it began: OpenAI's {@code error} event, then {@code response.failed} with the
     * response's {@code error}, so a client that waits for a terminal response event gets one too. A cancelled
     * response ({@code POST /v1/responses/{id}/cancel}) ends the same way, its status {@code cancelled} and its
     * output as far as it got.
     */
    @Override
    public String failure(GatewayException e) {
        String before = started();
        Response failed = failed(e);
        ended(failed);
        return before + event(new ResponseErrorEvent("error", e.code(), e.getMessage(), e.param().orElse(null),
                sequence++))
                + event(new ResponseStatusEvent("response.failed", failed, sequence++));
    }

    /** The response as {@code e} ended it: {@code cancelled} with its output so far, else {@code failed}. */
    Response failed(GatewayException e) {
        if ("cancelled".equals(e.code())) {
            return response(Response.CANCELLED, output.snapshot(Response.INCOMPLETE), null, null);
        }
        String code = e.status() == 429 ? "rate_limit_exceeded" : "server_error";
        return response(Response.FAILED, List.of(), null, new Response.ResponseError(code, e.getMessage()));
    }

    /** A non-streamed answer that failed: its end is told to {@link #onEnd}; returns what to wait for (or null). */
    io.smallrye.mutiny.Uni<Void> failedAnswer(GatewayException e) {
        ended(failed(e));
        return endWrite;
    }

    @Override
    public io.smallrye.mutiny.Uni<Void> beforeEnd() {
        return endWrite;
    }

    /** The chat resume URL would replay chat chunks; a background response is picked up by its own URL. */
    @Override
    public boolean resumable() {
        return false;
    }

    private Response response(String status, List<ResponseOutputItem> items, ResponseUsage usage,
                              Response.ResponseError error) {
        Response.IncompleteDetails incomplete = Response.INCOMPLETE.equals(status)
                ? new Response.IncompleteDetails("max_output_tokens") : null;
        return new Response(id, Response.OBJECT, created, status, error,
                incomplete, settings.instructions(), settings.maxOutputTokens(), model, items,
                settings.parallelToolCalls(), settings.previousResponseId(), null, stored, settings.background(),
                settings.temperature(), Response.ResponseTextConfig.TEXT, settings.toolChoice(), settings.tools(),
                settings.topP(), "disabled", usage, settings.user(), settings.metadata());
    }

    private String event(ResponseStreamEvent event) {
        if (event.sequenceNumber() <= startingAfter) {
            return "";
        }
        try {
            return "event: " + event.type() + "\ndata: " + json.writeValueAsString(event) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
