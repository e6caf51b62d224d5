package org.maverick.gateway.api;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.generation.FinishReason;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.Usage;

/**
 * Renders one stream's SSE events. The JSON around the delta text is the same for every token of a
 * stream, so it is built once; per token only the text is escaped, which keeps the hot path to one
 * string build and no object tree. Chat streams use OpenAI's {@code chat.completion.chunk} shape,
 * completion streams its {@code text_completion} shape.
 */
final class ChunkEncoder {

    static final String DONE = "data: [DONE]\n\n";
    static final String KEEP_ALIVE = ": keep-alive\n\n";

    private final boolean chat;
    private final String head;     // "data: {...,"choices":[{"index":0,
    private final String tokenHead;
    private final String tokenTail;
    private final ObjectMapper json;

    ChunkEncoder(Generation g, ObjectMapper json) {
        this(g.requestId(), g.kind() == Generation.Kind.CHAT, g.createdEpochSeconds(), g.modelId(), json);
    }

    ChunkEncoder(String requestId, boolean chat, long created, String modelId, ObjectMapper json) {
        this.json = json;
        this.chat = chat;
        String object = chat ? "chat.completion.chunk" : "text_completion";
        this.head = "data: {\"id\":" + quote(requestId) + ",\"object\":\"" + object + "\",\"created\":"
                + created + ",\"model\":" + quote(modelId) + ",\"choices\":[";
        if (chat) {
            this.tokenHead = head + "{\"index\":0,\"delta\":{\"content\":\"";
            this.tokenTail = "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
        } else {
            this.tokenHead = head + "{\"text\":\"";
            this.tokenTail = "\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}\n\n";
        }
    }

    /** The chat stream's first event: the assistant role with empty content (not a token). */
    String role() {
        return head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                + "\"finish_reason\":null}]}\n\n";
    }

    boolean chat() {
        return chat;
    }

    String token(String text) {
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(text);
        return new StringBuilder(tokenHead.length() + escaped.length + tokenTail.length())
                .append(tokenHead).append(escaped).append(tokenTail).toString();
    }

    /**
     * A tool call as OpenAI streams one: a first delta with its index, id, type and name (arguments empty), then
     * one with its arguments, which the SDKs append to the call at that index. Both go out together: a call is
     * only ever sent complete.
     */
    String toolCall(GenerationEvent.ToolCall call) {
        String open = head + "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" + call.index();
        String close = "}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
        return open + ",\"id\":" + quote(call.id()) + ",\"type\":\"function\",\"function\":{\"name\":"
                + quote(call.name()) + ",\"arguments\":\"\"}" + close
                + open + ",\"function\":{\"arguments\":" + quote(call.arguments()) + "}" + close;
    }

    String finish(FinishReason reason) {
        String choice = chat
                ? "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"" + reason.wire() + "\"}"
                : "{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"" + reason.wire() + "\"}";
        return head + choice + "]}\n\n";
    }

    String usage(Usage usage) {
        try {
            return head + "],\"usage\":" + json.writeValueAsString(UsageDto.of(usage)) + "}\n\n";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
