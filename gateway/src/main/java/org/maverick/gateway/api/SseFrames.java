package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GenerationEvent;

/**
 * What one API's stream writes at each step of a generation, while {@link SseRelay} decides when (headers,
 * backpressure, keep-alives, cancellation). Chat and text completions write OpenAI's chunks; the Responses
 * API writes its semantic events. Called on the connection's event loop only, one call at a time.
 */
interface SseFrames {

    /** Written right after the headers, before the first token (may be empty). */
    String opening();

    /** One token's text. */
    String token(String text);

    /** One complete tool call. */
    String toolCall(GenerationEvent.ToolCall call);

    /** Everything after the last token, through the stream's last byte. */
    String finish(GenerationEvent.Finished finished);

    /** The last event of a stream that fails after its headers went out. */
    String failure(GatewayException e);

    /**
     * What must complete before the stream's last bytes (returned by {@link #finish} or {@link #failure}) are
     * written, e.g. a stored response's last write; null when nothing. Asked right after those calls.
     */
    default io.smallrye.mutiny.Uni<Void> beforeEnd() {
        return null;
    }

    /** Whether the resume URL ({@code /v1/streams/…}, which replays chat chunks) fits this stream. */
    default boolean resumable() {
        return true;
    }

    /** Chat and text completion chunks; {@code sendRole} is false when a resumed client had the role chunk. */
    static SseFrames chat(ChunkEncoder chunks, boolean includeUsage, boolean sendRole, ObjectMapper json) {
        return new SseFrames() {
            @Override
            public String opening() {
                return chunks.chat() && sendRole ? chunks.role() : "";
            }

            @Override
            public String token(String text) {
                return chunks.token(text);
            }

            @Override
            public String toolCall(GenerationEvent.ToolCall call) {
                return chunks.toolCall(call);
            }

            @Override
            public String finish(GenerationEvent.Finished finished) {
                return chunks.finish(finished.reason()) + (includeUsage ? chunks.usage(finished.usage()) : "")
                        + ChunkEncoder.DONE;
            }

            @Override
            public String failure(GatewayException e) {
                return ErrorRenderer.event(json, e);
            }
        };
    }
}
