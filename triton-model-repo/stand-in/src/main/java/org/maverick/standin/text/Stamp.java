package org.maverick.standin.text;

import java.time.Instant;

/**
 * The send-time marker of {@code [standin:stamp]}: {@code [[ts=EPOCH_NANOS]]}, ASCII only, put at
 * the start of each streamed response's new text. The gateway relays only text, so the marker is
 * how a benchmark client learns when the engine sent the text it just received; it parses the
 * markers out, strips them, and subtracts each send time from its own arrival time (same machine
 * clock). A marker is not a token: it never counts toward {@code length}, max tokens or usage.
 */
public final class Stamp {

    public static final String OPEN = "[[ts=";
    public static final String CLOSE = "]]";

    private Stamp() {
    }

    /** Wall-clock now as epoch nanoseconds (microsecond precision on Linux), the clock markers use. */
    public static long nowEpochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The marker for a send time in epoch nanoseconds. */
    public static String marker(long epochNanos) {
        return OPEN + epochNanos + CLOSE;
    }
}
