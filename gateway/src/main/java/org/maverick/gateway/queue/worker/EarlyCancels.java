package org.maverick.gateway.queue.worker;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cancels that reached this worker before their request started here (the request still waits in
 * Kafka or in the backlog): the request is then answered 'cancelled' instead of run. A cancel is kept
 * for {@link #KEEP}; bounded besides: past {@code max} entries the oldest goes first.
 *
 * <p>Poll thread only.
 */
final class EarlyCancels {

    static final Duration KEEP = Duration.ofHours(1);
    static final int MAX = 100_000;

    private final Map<String, Long> cancelledAt;

    EarlyCancels() {
        this(MAX);
    }

    EarlyCancels(int max) {
        this.cancelledAt = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > max;
            }
        };
    }

    void add(String requestId, long now) {
        cancelledAt.put(requestId, now);
    }

    /** Whether {@code requestId} was cancelled early; the cancel is used up. */
    boolean take(String requestId) {
        return cancelledAt.remove(requestId) != null;
    }

    /** Drops the cancels kept longer than {@link #KEEP}. */
    void expire(long now) {
        long cutoff = now - KEEP.toMillis();
        cancelledAt.values().removeIf(at -> at < cutoff);
    }

    int size() {
        return cancelledAt.size();
    }
}
