package org.maverick.gateway.generation;

/**
 * What a backend streams for one generation: zero or more {@link Token}s, then exactly one
 * {@link Finished}. Failures travel as the stream's failure ({@link GatewayException}), never as an event.
 */
public sealed interface GenerationEvent {

    /**
     * New completion text, ready to send: never empty, never half a UTF-8 character, never part of a
     * stop string.
     */
    record Token(String text) implements GenerationEvent {
    }

    /** The generation ended normally. */
    record Finished(FinishReason reason, Usage usage) implements GenerationEvent {
    }
}
