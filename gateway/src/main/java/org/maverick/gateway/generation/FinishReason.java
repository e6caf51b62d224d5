package org.maverick.gateway.generation;

/** Why a generation ended, with OpenAI's wire names. */
public enum FinishReason {
    /** End of turn, end of text or a stop string. */
    STOP("stop"),
    /** The {@code max_tokens} limit (or the context window) was reached. */
    LENGTH("length"),
    /** The answer ended after one or more tool calls (the client runs them and sends the results back). */
    TOOL_CALLS("tool_calls");

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** The reason with this wire name; anything unknown reads as {@link #STOP}. */
    public static FinishReason fromWire(String wire) {
        if ("length".equals(wire)) {
            return LENGTH;
        }
        return "tool_calls".equals(wire) ? TOOL_CALLS : STOP;
    }
}
