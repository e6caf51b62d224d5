package org.maverick.gateway.queue.worker;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.KafkaQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Handing lost partitions over: their work stops, what finished is committed, then they are forgotten. */
class RebalanceTest {

    private static final TopicPartition REQUESTS_1 = new TopicPartition(KafkaQueue.REQUESTS, 1);
    private static final TopicPartition CONTROL_1 = new TopicPartition(KafkaQueue.CONTROL, 1);

    private final Backlog backlog = new Backlog();
    private final Generations generations = new Generations(null, new PartitionOffsets(), backlog, Runnable::run,
            System::currentTimeMillis);
    private final List<String> steps = new ArrayList<>();

    private Rebalance rebalance(Runnable commit) {
        return new Rebalance(generations, backlog, null, commit, lost -> steps.add("forget " + lost.size()));
    }

    @Test
    void lostPartitionsAreHandedOverCommittedAndForgottenInThatOrder() {
        RunningGeneration lost = Running.of(Records.request(1, 0, "a"));
        RunningGeneration kept = Running.of(Records.request(2, 1, "a"));
        generations.add(lost);
        generations.add(kept);
        backlog.add(Records.request(1, 2, "a"));
        backlog.add(Records.request(2, 3, "a"));
        rebalance(() -> {
            steps.add("commit: " + generations.size() + " running, " + backlog.size() + " waiting");
        }).onPartitionsRevoked(List.of(REQUESTS_1, CONTROL_1));
        assertEquals(List.of("commit: 1 running, 1 waiting", "forget 2"), steps);
        assertTrue(lost.ended());
        assertFalse(kept.ended());
        assertEquals(3, backlog.pick(Set.of()).offset());
    }

    @Test
    void aFailedCommitDoesNotStopTheHandOver() {
        rebalance(() -> {
            throw new IllegalStateException("coordinator gone");
        }).onPartitionsLost(List.of(REQUESTS_1));
        assertEquals(List.of("forget 1"), steps);
    }

    @Test
    void onlyRequestPartitionsCountAsRequestPartitions() {
        assertEquals(List.of(3, 0), Rebalance.requestPartitions(List.of(new TopicPartition(KafkaQueue.REQUESTS, 3),
                CONTROL_1, new TopicPartition(KafkaQueue.REQUESTS, 0))));
        assertEquals(List.of(), Rebalance.requestPartitions(List.of(CONTROL_1)));
    }
}
