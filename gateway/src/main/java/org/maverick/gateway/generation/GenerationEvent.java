package org.maverick.gateway.generation;

/**
 * What a backend streams for one generation: in queued mode first one {@link Queued}, then zero or
 * more {@link Token}s and {@link ToolCall}s, then exactly one {@link Finished}. Failures travel as the stream's failure
 * ({@link GatewayException}), never as an event.
 *
 * <p>{@code eventId} is the position of the event in its durable log (the Kafka offset of the event
 * record in queued mode), usable as an SSE {@code id:} to resume after; {@link #NO_ID} in direct mode.
 */
public sealed interface GenerationEvent {

    long NO_ID = -1;

    /**
     * New completion text, ready to send: never empty, never half a UTF-8 character, never part of a
     * stop string.
     */
    record Token(String text, long eventId, int tokensSoFar) implements GenerationEvent {
        public Token(String text) {
            this(text, NO_ID, UNCOUNTED);
        }

        public Token(String text, long eventId) {
            this(text, eventId, UNCOUNTED);
        }

        /** A token with the engine's count of the completion tokens generated so far (this one included). */
        public static Token counted(String text, int tokensSoFar) {
            return new Token(text, NO_ID, tokensSoFar);
        }

        /** {@link #tokensSoFar()} when the engine does not count its output (then usage is estimated). */
        public static final int UNCOUNTED = -1;
    }

    /**
     * One complete tool call, parsed from the model's output: sent only once it parsed completely,
     * never in parts. {@code index} counts the generation's calls from 0; {@code id} is unique
     * ({@code call_…}); {@code arguments} is a JSON object as text.
     */
    record ToolCall(int index, String id, String name, String arguments, long eventId) implements GenerationEvent {
        public ToolCall(int index, String id, String name, String arguments) {
            this(index, id, name, arguments, NO_ID);
        }
    }

    /** The generation ended normally. */
    record Finished(FinishReason reason, Usage usage, long eventId) implements GenerationEvent {
        public Finished(FinishReason reason, Usage usage) {
            this(reason, usage, NO_ID);
        }
    }

    /**
     * The request passed admission (auth, limits, capacity) and is on its way to the engine: from
     * here on the answer is 200, so a stream may send keep-alive comments.
     */
    record Admitted() implements GenerationEvent {
        public static final Admitted INSTANCE = new Admitted();
    }

    /**
     * The request was accepted into the queue. {@code resumeToken} lets a client that lost its
     * connection pick the stream up again, on any instance, from the event after the last it saw.
     */
    record Queued(String resumeToken) implements GenerationEvent {
    }
}
