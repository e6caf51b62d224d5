package org.maverick.gateway.telemetry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One line per reason per interval: the first occurrence of a reason is logged, the next ones within
 * {@link #INTERVAL} only counted, and the first one after it is logged with that count. What a fault
 * repeats for every record, poll or request (Kafka away) becomes a few lines a minute instead of
 * thousands a second, and the count still tells how often it happened.
 *
 * <p>Thread-safe. The number of reasons kept is bounded ({@value #MAX_REASONS}); past it they are
 * forgotten at once, which at worst logs a reason once more than its interval allows.
 */
public final class RepeatedWarnings {

    /** How long a reason stays quiet after it was logged. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final int MAX_REASONS = 1024;

    private final long intervalNanos;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public RepeatedWarnings() {
        this(INTERVAL);
    }

    public RepeatedWarnings(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Whether a line for {@code reason} is due now; when it is, {@code suppressed} receives how many were
     * not logged since the last line (0 the first time).
     */
    public boolean due(String reason, long now, java.util.function.LongConsumer suppressed) {
        if (windows.size() > MAX_REASONS) {
            windows.clear();
        }
        Window w = windows.computeIfAbsent(reason, r -> new Window());
        synchronized (w) {
            if (w.loggedAt != Long.MIN_VALUE && now - w.loggedAt < intervalNanos) {
                w.suppressed++;
                return false;
            }
            long n = w.suppressed;
            w.suppressed = 0;
            w.loggedAt = now;
            suppressed.accept(n);
            return true;
        }
    }

    /** Logs {@code message} through {@code log} when due, with the count of those not logged since. */
    public void log(String reason, String message, Consumer<String> log) {
        long[] count = new long[1];
        if (due(reason, System.nanoTime(), n -> count[0] = n)) {
            log.accept(count[0] == 0 ? message : message + " (" + count[0] + " more like it in the last "
                    + Math.max(1, Duration.ofNanos(intervalNanos).toSeconds()) + " s)");
        }
    }

    private static final class Window {
        long loggedAt = Long.MIN_VALUE;
        long suppressed;
    }
}
