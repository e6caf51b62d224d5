package org.maverick.gateway.generation;

/** Why a generation ended, with OpenAI's wire names. */
public enum FinishReason {
    /** End of turn, end of text or a stop string. */
    STOP("stop"),
    /** The {@code max_tokens} limit (or the context window) was reached. */
    LENGTH("length");

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
