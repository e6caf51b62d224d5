package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The offsets the worker may commit, per owned partition: the lowest record read and not finished,
 * or the offset after the last record read when none is unfinished. A request record finishes only
 * when its generation has ended (or it was settled without one), so one long generation holds back
 * only the commit of its own partition, and after a crash the requests from it on are re-read and
 * those already finished skipped by their status.
 *
 * <p>Poll thread only. Each partition holds the offsets of its records read and not finished: at most
 * the generations running plus the backlog.
 */
final class PartitionOffsets {

    private static final Logger LOG = Logger.getLogger(PartitionOffsets.class);
    /** Least time between two commits that are not forced. */
    static final long COMMIT_INTERVAL_MS = 500;

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();
    private long lastCommit;

    /** A record was read: it is unfinished until {@link #done}. */
    void seen(ConsumerRecord<?, ?> record) {
        partitions.computeIfAbsent(partition(record), tp -> new Partition()).seen(record.offset());
    }

    /** A record needs no more work. A partition no longer owned is not tracked again. */
    void done(ConsumerRecord<?, ?> record) {
        Partition p = partitions.get(partition(record));
        if (p != null) {
            p.done(record.offset());
        }
    }

    /** Read and finished at once (control records: done once read). */
    void seenAndDone(ConsumerRecord<?, ?> record) {
        seen(record);
        done(record);
    }

    /** Partitions that went to another worker: nothing of theirs is committed by this one any more. */
    void forget(Collection<TopicPartition> lost) {
        partitions.keySet().removeAll(lost);
    }

    /**
     * The commits to make now: each partition whose committable offset moved since it was last
     * taken, recorded as committed. Empty when {@code force} is false and the last commit was less
     * than {@link #COMMIT_INTERVAL_MS} before {@code now}. A commit that then fails is not retried as
     * such: the partition's next move commits past it.
     */
    Map<TopicPartition, OffsetAndMetadata> due(long now, boolean force) {
        if (!force && now - lastCommit < COMMIT_INTERVAL_MS) {
            return Map.of();
        }
        lastCommit = now;
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (var e : partitions.entrySet()) {
            long next = e.getValue().committable();
            if (next >= 0 && next != e.getValue().committed) {
                commit.put(e.getKey(), new OffsetAndMetadata(next));
                e.getValue().committed = next;
            }
        }
        return commit;
    }

    /**
     * Commits what is {@link #due}: synchronously when {@code sync} (leaving the group, or before
     * partitions are revoked: may throw), otherwise at most every {@link #COMMIT_INTERVAL_MS} and
     * asynchronously.
     */
    void commit(Consumer<String, byte[]> consumer, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> commit = due(System.currentTimeMillis(), sync);
        if (commit.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(commit, Duration.ofSeconds(5));
        } else {
            consumer.commitAsync(commit, (o, e) -> {
                if (e != null) {
                    LOG.debugf("offset commit failed (retried with the next one): %s", e.getMessage());
                }
            });
        }
    }

    private static TopicPartition partition(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    /** One partition: offsets read but not finished, the next unread one, the last committed (-1: none yet). */
    private static final class Partition {
        final TreeSet<Long> unfinished = new TreeSet<>();
        long next = -1;
        long committed = -1;

        void seen(long offset) {
            unfinished.add(offset);
            next = Math.max(next, offset + 1);
        }

        void done(long offset) {
            unfinished.remove(offset);
        }

        long committable() {
            return unfinished.isEmpty() ? next : unfinished.first();
        }
    }
}
