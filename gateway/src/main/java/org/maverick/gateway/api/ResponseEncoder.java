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
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseOutputMessage;
import org.maverick.gateway.protocol.responses.ResponseOutputItem.ResponseOutputText;
import org.maverick.gateway.protocol.responses.ResponseSettings;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseContentPartEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseErrorEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseOutputItemEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseStatusEvent;
import org.maverick.gateway.protocol.responses.ResponseStreamEvent.ResponseTextDoneEvent;
import org.maverick.gateway.protocol.responses.ResponseUsage;

import java.util.List;

/**
 * One Responses API answer: the response object (whole, for a non-streamed answer) and, for a stream, its
 * semantic events with a {@code sequence_number} rising by one from 0. The answer is one assistant message
 * (output index 0) with one {@code output_text} part (content index 0); a {@code length} finish makes the
 * response {@code incomplete} with reason {@code max_output_tokens}. Not thread-safe: a stream's frames are
 * written on its event loop only.
 */
final class ResponseEncoder implements SseFrames {

    private final Generation generation;
    private final ResponseSettings settings;
    private final ObjectMapper json;
    private final String messageId = RequestIds.next("msg_");
    private final StringBuilder text = new StringBuilder();
    private final String deltaHead;
    private long sequence;

    ResponseEncoder(Generation generation, ResponseSettings settings, ObjectMapper json) {
        this.generation = generation;
        this.settings = settings;
        this.json = json;
        // The token path builds one string per token around this fixed head, as ChunkEncoder does for chat.
        this.deltaHead = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                + "\"item_id\":\"" + messageId + "\",\"output_index\":0,\"content_index\":0,\"logprobs\":[],"
                + "\"delta\":\"";
    }

    /** The whole response of a non-streamed answer. */
    Response response(String answer, GenerationEvent.Finished f) {
        boolean cut = f.reason() == FinishReason.LENGTH;
        String status = cut ? Response.INCOMPLETE : Response.COMPLETED;
        return response(status, List.of(ResponseOutputMessage.of(messageId, status,
                List.of(ResponseOutputText.of(answer)))), ResponseUsage.of(f.usage()), null);
    }

    @Override
    public String opening() {
        Response inProgress = response(Response.IN_PROGRESS, List.of(), null, null);
        return event(new ResponseStatusEvent("response.created", inProgress, sequence++))
                + event(new ResponseStatusEvent("response.in_progress", inProgress, sequence++))
                + event(new ResponseOutputItemEvent("response.output_item.added", 0,
                        ResponseOutputMessage.of(messageId, Response.IN_PROGRESS, List.of()), sequence++))
                + event(new ResponseContentPartEvent("response.content_part.added", messageId, 0, 0,
                        ResponseOutputText.of(""), sequence++));
    }

    @Override
    public String token(String delta) {
        text.append(delta);
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(delta);
        return new StringBuilder(deltaHead.length() + escaped.length + 40).append(deltaHead).append(escaped)
                .append("\",\"sequence_number\":").append(sequence++).append("}\n\n").toString();
    }

    /** Unreachable while /v1/responses refuses function tools (ResponsesRequestParser): no call is parsed. */
    @Override
    public String toolCall(GenerationEvent.ToolCall call) {
        throw new IllegalStateException("a tool call on a Responses stream, whose request offered no tools");
    }

    @Override
    public String finish(GenerationEvent.Finished f) {
        String answer = text.toString();
        Response done = response(answer, f);
        ResponseOutputItem item = done.output().get(0);
        String last = done.status().equals(Response.COMPLETED) ? "response.completed" : "response.incomplete";
        return event(new ResponseTextDoneEvent("response.output_text.done", messageId, 0, 0, answer, List.of(),
                sequence++))
                + event(new ResponseContentPartEvent("response.content_part.done", messageId, 0, 0,
                        ResponseOutputText.of(answer), sequence++))
                + event(new ResponseOutputItemEvent("response.output_item.done", 0, item, sequence++))
                + event(new ResponseStatusEvent(last, done, sequence++));
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
