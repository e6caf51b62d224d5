package org.maverick.gateway.queue.worker;

import org.maverick.gateway.queue.Messages;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latest status of recent requests of the owned partitions, by request id: what keeps a finished
 * request from running again when it is re-read after a rebalance, or sent twice. Bounded: past
 * {@code max} entries the one first put goes (re-putting an id does not renew its place); the default
 * bound is far more than a re-read window holds.
 *
 * <p>Poll thread only.
 */
final class StatusCache {

    static final int MAX = 200_000;

    private final Map<String, Messages.Status> statuses;

    StatusCache() {
        this(MAX);
    }

    StatusCache(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive: " + max);
        }
        this.statuses = new LinkedHashMap<>(Math.min(max, 1024), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Messages.Status> eldest) {
                return size() > max;
            }
        };
    }

    /** The latest status known for {@code requestId}, or null. */
    Messages.Status get(String requestId) {
        return statuses.get(requestId);
    }

    void put(Messages.Status status) {
        statuses.put(status.requestId(), status);
    }

    /** Statuses read back from the status topic (each keyed by its request id). */
    void putAll(Map<String, Messages.Status> byRequestId) {
        statuses.putAll(byRequestId);
    }

    int size() {
        return statuses.size();
    }
}
