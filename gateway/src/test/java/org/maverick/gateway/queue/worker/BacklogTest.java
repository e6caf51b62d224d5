package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.KafkaQueue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The worker's backlog on its own: fair picking across callers, blocked callers, putting back, dropping. */
class BacklogTest {

    private static List<String> drain(Backlog backlog, Set<String> blocked) {
        List<String> picked = new ArrayList<>();
        ConsumerRecord<String, byte[]> r;
        while ((r = backlog.pick(blocked)) != null) {
            picked.add(RequestHeaders.caller(r) + "@" + r.offset());
        }
        return picked;
    }

    @Test
    void callersTakeTurnsSoABurstCannotStarveTheOthers() {
        Backlog backlog = new Backlog();
        backlog.add(Records.request(0, 0, "burst"));
        backlog.add(Records.request(0, 1, "burst"));
        backlog.add(Records.request(0, 2, "burst"));
        backlog.add(Records.request(1, 3, "quiet"));
        backlog.add(Records.request(1, 4, "quiet"));
        backlog.add(Records.request(2, 5, "other"));
        assertEquals(List.of("burst@0", "quiet@3", "other@5", "burst@1", "quiet@4", "burst@2"),
                drain(backlog, Set.of()));
        assertTrue(backlog.isEmpty());
    }

    @Test
    void whenTheCallerServedLastHasNothingLeftTheTurnStartsOverAtTheFirstWaiting() {
        Backlog backlog = new Backlog();
        backlog.add(Records.request(0, 0, "a"));
        backlog.add(Records.request(0, 1, "a"));
        backlog.add(Records.request(0, 2, "b"));
        backlog.add(Records.request(0, 3, "c"));
        assertEquals(List.of("a@0", "b@2", "a@1", "c@3"), drain(backlog, Set.of()));
    }

    @Test
    void eachCallersRequestsStartInTheOrderTheyArrived() {
        Backlog backlog = new Backlog();
        for (int i = 0; i < 4; i++) {
            backlog.add(Records.request(i % 2, i, "a"));
        }
        assertEquals(List.of("a@0", "a@1", "a@2", "a@3"), drain(backlog, Set.of()));
    }

    @Test
    void blockedCallersAreSkippedAndKeepTheirRequests() {
        Backlog backlog = new Backlog();
        backlog.add(Records.request(0, 0, "limited"));
        backlog.add(Records.request(0, 1, "free"));
        backlog.add(Records.request(0, 2, "limited"));
        backlog.add(Records.request(0, 3, "free"));
        assertEquals(List.of("free@1", "free@3"), drain(backlog, Set.of("limited")));
        assertEquals(2, backlog.size(), "the blocked caller's requests still wait");
        assertEquals(List.of("limited@0", "limited@2"), drain(backlog, Set.of()));
    }

    @Test
    void whenEveryWaitingCallerIsBlockedNothingIsPicked() {
        Backlog backlog = new Backlog();
        backlog.add(Records.request(0, 0, "a"));
        backlog.add(Records.request(0, 1, "b"));
        assertNull(backlog.pick(Set.of("a", "b")));
        assertEquals(2, backlog.size());
    }

    @Test
    void aRecordWithoutCallerHeaderBelongsToTheAnonymousCaller() {
        Backlog backlog = new Backlog();
        backlog.add(Records.request(0, 0, null));
        assertNull(backlog.pick(Set.of("anonymous")));
        assertEquals(0, backlog.pick(Set.of()).offset());
    }

    @Test
    void aRecordPutBackIsPickedFirstWhenItsCallersTurnComes() {
        Backlog backlog = new Backlog();
        backlog.add(Records.request(0, 0, "a"));
        backlog.add(Records.request(0, 1, "a"));
        ConsumerRecord<String, byte[]> first = backlog.pick(Set.of());
        backlog.putBack(first);
        assertSame(first, backlog.pick(new HashSet<>()));
    }

    @Test
    void aRetryDelaysEveryStartUntilItsTime() {
        Backlog backlog = new Backlog();
        assertTrue(backlog.startable(0));
        ConsumerRecord<String, byte[]> refused = Records.request(0, 7, "a");
        backlog.add(Records.request(0, 8, "a"));
        backlog.retryAt(refused, 1_000);
        assertFalse(backlog.startable(999));
        assertTrue(backlog.startable(1_000));
        assertSame(refused, backlog.pick(Set.of()), "the refused request goes first");
    }

    @Test
    void recordsOfLostPartitionsAreDropped() {
        Backlog backlog = new Backlog();
        backlog.add(Records.request(0, 0, "a"));
        backlog.add(Records.request(1, 1, "a"));
        backlog.add(Records.request(2, 2, "b"));
        backlog.drop(Set.of(new TopicPartition(KafkaQueue.REQUESTS, 1), new TopicPartition(KafkaQueue.CONTROL, 2)));
        assertEquals(List.of("a@0", "b@2"), drain(backlog, Set.of()));
    }

    @Test
    void fullAtItsBound() {
        Backlog backlog = new Backlog();
        for (int i = 0; i < Backlog.MAX_WAITING - 1; i++) {
            backlog.add(Records.request(0, i, "a"));
        }
        assertFalse(backlog.full());
        backlog.add(Records.request(0, Backlog.MAX_WAITING, "a"));
        assertTrue(backlog.full());
    }

    @Test
    void aFewLargeRequestsFillTheBacklogByTheirBytes() {
        Backlog backlog = new Backlog();
        byte[] large = new byte[35 << 20]; // the largest queued request with the default limits (QueuedSizes)
        int n = 0;
        while (!backlog.full()) {
            backlog.add(new ConsumerRecord<>(org.maverick.gateway.queue.KafkaQueue.REQUESTS, 0, n, "r-" + n, large));
            n++;
        }
        assertEquals(8, n, "full after 256 MiB, long before 256 records");
        ConsumerRecord<String, byte[]> picked = backlog.pick(Set.of());
        assertTrue(!backlog.full() && backlog.bytes() == 7L * large.length, "room again once one started");
        backlog.putBack(picked);
        assertTrue(backlog.full());
        backlog.drop(Set.of(new org.apache.kafka.common.TopicPartition(org.maverick.gateway.queue.KafkaQueue.REQUESTS, 0)));
        assertEquals(0, backlog.bytes());
    }
}
