package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.KafkaQueue;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the worker may commit: the lowest unfinished offset per partition, holes and all. */
class PartitionOffsetsTest {

    private static final TopicPartition P0 = new TopicPartition(KafkaQueue.REQUESTS, 0);
    private static final TopicPartition P1 = new TopicPartition(KafkaQueue.REQUESTS, 1);
    private static long now = 1_000_000;

    private static Map<TopicPartition, OffsetAndMetadata> force(PartitionOffsets offsets) {
        return offsets.due(now += 1, true);
    }

    private static long at(Map<TopicPartition, OffsetAndMetadata> commit, TopicPartition tp) {
        return commit.get(tp).offset();
    }

    @Test
    void theLowestUnfinishedRecordHoldsTheCommitBackWhateverFinishedAfterIt() {
        PartitionOffsets offsets = new PartitionOffsets();
        List<ConsumerRecord<String, byte[]>> read = List.of(Records.request(0, 10, "a"), Records.request(0, 11, "a"),
                Records.request(0, 12, "a"), Records.request(0, 13, "a"));
        read.forEach(offsets::seen);
        offsets.done(read.get(0));
        offsets.done(read.get(2));
        offsets.done(read.get(3));
        assertEquals(11, at(force(offsets), P0), "11 is still running: everything from it is re-read after a crash");
        offsets.done(read.get(1));
        assertEquals(14, at(force(offsets), P0), "all finished: the offset after the last read");
    }

    @Test
    void withNothingFinishedTheFirstReadIsCommitted() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.seen(Records.request(0, 5, "a"));
        offsets.seen(Records.request(0, 6, "a"));
        assertEquals(5, at(force(offsets), P0));
    }

    @Test
    void partitionsAreIndependent() {
        PartitionOffsets offsets = new PartitionOffsets();
        ConsumerRecord<String, byte[]> slow = Records.request(0, 0, "a");
        ConsumerRecord<String, byte[]> quick = Records.request(1, 0, "a");
        offsets.seen(slow);
        offsets.seen(quick);
        offsets.seen(Records.request(1, 1, "a"));
        offsets.done(quick);
        Map<TopicPartition, OffsetAndMetadata> commit = force(offsets);
        assertEquals(0, at(commit, P0));
        assertEquals(1, at(commit, P1), "one long generation holds back only its own partition");
    }

    @Test
    void anOffsetIsCommittedOnlyWhenItMoved() {
        PartitionOffsets offsets = new PartitionOffsets();
        ConsumerRecord<String, byte[]> r = Records.request(0, 0, "a");
        offsets.seen(r);
        assertEquals(Map.of(P0, new OffsetAndMetadata(0)), force(offsets));
        assertTrue(force(offsets).isEmpty(), "unchanged: nothing to commit");
        offsets.done(r);
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), force(offsets));
    }

    @Test
    void commitsThatAreNotForcedComeAtMostEveryInterval() {
        PartitionOffsets offsets = new PartitionOffsets();
        ConsumerRecord<String, byte[]> r = Records.request(0, 0, "a");
        offsets.seen(r);
        long t = 5_000_000;
        assertEquals(0, at(offsets.due(t, false), P0));
        offsets.done(r);
        assertTrue(offsets.due(t + PartitionOffsets.COMMIT_INTERVAL_MS - 1, false).isEmpty(), "too soon");
        assertEquals(1, at(offsets.due(t + PartitionOffsets.COMMIT_INTERVAL_MS - 1, true), P0), "forced: at once");
        offsets.seen(Records.request(0, 1, "a"));
        offsets.done(Records.request(0, 1, "a"));
        assertTrue(offsets.due(t + PartitionOffsets.COMMIT_INTERVAL_MS, false).isEmpty(),
                "the forced commit counts as the last one");
        assertEquals(2, at(offsets.due(t + 2 * PartitionOffsets.COMMIT_INTERVAL_MS, false), P0));
    }

    @Test
    void controlRecordsAreDoneOnceRead() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.seenAndDone(Records.record(KafkaQueue.CONTROL, 3, 41, "r", "{}"));
        assertEquals(42, at(force(offsets), new TopicPartition(KafkaQueue.CONTROL, 3)));
    }

    @Test
    void aForgottenPartitionIsNeitherCommittedNorTrackedAgainByItsLateEnds() {
        PartitionOffsets offsets = new PartitionOffsets();
        ConsumerRecord<String, byte[]> r = Records.request(0, 0, "a");
        offsets.seen(r);
        offsets.seen(Records.request(1, 0, "a"));
        offsets.forget(List.of(P0));
        offsets.done(r); // a generation of the lost partition that ends late
        assertEquals(Map.of(P1, new OffsetAndMetadata(0)), force(offsets));
    }
}
