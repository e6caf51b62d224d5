package org.maverick.benchmark.load;

/**
 * What the client saw of one request. Written by the event loop that runs the request, read by
 * {@link Metrics} after the request ended (the completion queue publishes it safely).
 * Times are {@link System#nanoTime()} except stamp latencies (wall clock, see {@link Stamps}).
 */
public final class RequestRecord {

    /** When the request was handed to the connection. */
    public long sentNanos;
    /** First chunk with content text (a role-only chunk or a bare marker is not a token); -1 if none. */
    public long firstTokenNanos = -1;
    /** When the stream ended (DONE, or the socket's done event); -1 if it did not. */
    public long endNanos = -1;
    /** The content text without markers. */
    public final StringBuilder text = new StringBuilder();
    /** Content chunks received. */
    public int chunks;
    /** {@code usage.completion_tokens} when the server sent it, else -1. */
    public int usageTokens = -1;
    /** Arrival − send time of every stamp marker, nanoseconds. */
    public final Samples stampLatencies = new Samples();
    /** Arrival − send time of the first content chunk's marker; -1 without markers. */
    public long firstStampLatency = -1;
    /** Non-null when the request failed (status, transport, error event, stream cut). */
    public String error;
    /** Cancelled by the generator at the end of the run (not an error, not a completed request). */
    public boolean cancelled;

    public boolean completed() {
        return error == null && !cancelled && endNanos >= 0;
    }

    /** Output tokens by the chosen rule. */
    public int outputTokens(TokenCount rule) {
        return switch (rule) {
            case WORDS -> Tokens.count(text);
            case USAGE -> usageTokens >= 0 ? usageTokens : Tokens.count(text);
            case CHUNKS -> chunks;
        };
    }

    /** How output tokens are counted. */
    public enum TokenCount {
        /** Word pieces of the text (exact for the stand-in); see {@link Tokens}. */
        WORDS,
        /** The server's {@code usage.completion_tokens} (asked for with {@code stream_options.include_usage}). */
        USAGE,
        /** One token per content chunk (genai-perf's view when every response carries one token). */
        CHUNKS
    }
}
