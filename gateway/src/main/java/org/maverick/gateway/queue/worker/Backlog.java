package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.maverick.gateway.admission.TenantTurns;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Request records fetched but not started, in the order they arrived (those put back go first), and
 * which of them starts next: callers take turns ({@link TenantTurns}, by the caller header), so one
 * caller's burst cannot starve the others.
 *
 * <p>Bounded by the pausing of fetches: the worker stops fetching request partitions once
 * {@link #full()}, so the backlog holds at most {@link #MAX_WAITING} records, or
 * {@link #MAX_WAITING_BYTES}, plus one poll's records.
 * Poll thread only.
 */
final class Backlog {

    /** Requests fetched but not started (their callers are at a limit, or no slot is free) past which fetching pauses. */
    static final int MAX_WAITING = 256;

    /**
     * Bytes of waiting records past which fetching pauses too. A request with pictures can be tens of MiB
     * (QueuedSizes: 35 MiB with the default limits), so a count alone would let the backlog hold gigabytes;
     * this keeps a few of the largest waiting while small requests still fill the backlog by count.
     */
    static final long MAX_WAITING_BYTES = 256L << 20;

    private final Deque<ConsumerRecord<String, byte[]>> waiting = new ArrayDeque<>();
    private final TenantTurns turns = new TenantTurns();
    /** Bytes of the values of the waiting records. */
    private long bytes;
    /** Epoch millis before which nothing starts: Triton refused a generation before its first token. */
    private long retryNotBefore;

    /** A record just fetched waits behind the others. */
    void add(ConsumerRecord<String, byte[]> record) {
        bytes += size(record);
        waiting.addLast(record);
    }

    /** A record picked but not started (its caller is at a limit) goes back to the front. */
    void putBack(ConsumerRecord<String, byte[]> record) {
        bytes += size(record);
        waiting.addFirst(record);
    }

    /** A record Triton could not take goes back to the front, and nothing starts before {@code notBefore}. */
    void retryAt(ConsumerRecord<String, byte[]> record, long notBefore) {
        bytes += size(record);
        waiting.addFirst(record);
        retryNotBefore = notBefore;
    }

    /** Whether records may start at {@code now} (no retry delay pending). */
    boolean startable(long now) {
        return now >= retryNotBefore;
    }

    /**
     * Takes the next record to start: the first waiting record of the caller whose turn it is, among
     * the callers not in {@code blocked}; null when nobody else waits.
     */
    ConsumerRecord<String, byte[]> pick(Set<String> blocked) {
        Set<String> callers = new LinkedHashSet<>();
        for (ConsumerRecord<String, byte[]> r : waiting) {
            String c = RequestHeaders.caller(r);
            if (!blocked.contains(c)) {
                callers.add(c);
            }
        }
        String caller = turns.next(callers);
        if (caller == null) {
            return null;
        }
        for (Iterator<ConsumerRecord<String, byte[]>> it = waiting.iterator(); it.hasNext(); ) {
            ConsumerRecord<String, byte[]> r = it.next();
            if (caller.equals(RequestHeaders.caller(r))) {
                it.remove();
                bytes -= size(r);
                return r;
            }
        }
        throw new IllegalStateException("caller " + caller + " was waiting"); // unreachable: callers came from `waiting`
    }

    /** Forgets the records of partitions that went to another worker: it fetches and starts them. */
    void drop(Set<TopicPartition> lost) {
        waiting.removeIf(r -> lost.contains(new TopicPartition(r.topic(), r.partition())));
        bytes = waiting.stream().mapToLong(Backlog::size).sum();
    }

    /** Whether fetching more would overfill the backlog. */
    boolean full() {
        return waiting.size() >= MAX_WAITING || bytes >= MAX_WAITING_BYTES;
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    int size() {
        return waiting.size();
    }

    long bytes() {
        return bytes;
    }

    private static long size(ConsumerRecord<String, byte[]> record) {
        return record.value() == null ? 0 : record.value().length;
    }
}
