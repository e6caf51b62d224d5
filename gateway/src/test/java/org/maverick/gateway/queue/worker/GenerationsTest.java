package org.maverick.gateway.queue.worker;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.queue.KafkaQueue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The running generations: hand-over, retry after Triton refused, and each generation ending once. */
class GenerationsTest {

    private static final long NOW = 1_000_000;
    private final Backlog backlog = new Backlog();
    /** Hands over at once: the test thread is the poll thread. */
    private final Generations generations = new Generations(null, new PartitionOffsets(), backlog, Runnable::run,
            () -> NOW);
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    @Test
    void findsWhatRunsByRequestId() {
        RunningGeneration g = Running.of(Records.request(0, 0, "a"));
        generations.add(g);
        assertTrue(generations.runs("r-0"));
        assertSame(g, generations.get("r-0"));
        assertNull(generations.get("r-1"));
        assertNull(generations.get(null), "a control message without request id matches nothing");
        assertEquals(1, generations.size());
    }

    @Test
    void tritonRefusingBeforeTheFirstTokenPutsTheRequestBackToRetryLater() {
        RunningGeneration g = Running.of(Records.request(0, 5, "a"));
        backlog.add(Records.request(0, 6, "a"));
        generations.add(g);
        generations.failed(g, new GatewayException.BackendUnavailable("queue full", Duration.ofSeconds(1), null));
        assertEquals(0, generations.size());
        assertTrue(g.ended(), "its engine call and publisher are stopped");
        assertFalse(backlog.startable(NOW + Generations.RETRY_DELAY_MS - 1));
        assertTrue(backlog.startable(NOW + Generations.RETRY_DELAY_MS));
        assertSame(g.record, backlog.pick(Set.of()), "it is retried first");
    }

    @Test
    void aFailureAfterItEndedChangesNothing() {
        RunningGeneration g = Running.of(Records.request(0, 5, "a"));
        generations.add(g);
        generations.abandonAll();
        generations.failed(g, new GatewayException.BackendUnavailable("late", Duration.ofSeconds(1), null));
        assertTrue(backlog.isEmpty());
        assertTrue(backlog.startable(NOW));
    }

    @Test
    void theGenerationsOfLostPartitionsAreHandedOverTheOthersRunOn() {
        RunningGeneration lost = Running.of(Records.request(1, 0, "a"));
        RunningGeneration kept = Running.of(Records.request(2, 1, "a"));
        generations.add(lost);
        generations.add(kept);
        generations.abandonIn(Set.of(new TopicPartition(KafkaQueue.REQUESTS, 1)), "moved");
        assertFalse(generations.runs("r-0"));
        assertTrue(lost.ended());
        assertTrue(generations.runs("r-1"));
        assertFalse(kept.ended());
    }

    @Test
    void leavingTheGroupHandsEveryGenerationOver() {
        List<RunningGeneration> all = List.of(Running.of(Records.request(0, 0, "a")),
                Running.of(Records.request(1, 1, "b")));
        all.forEach(generations::add);
        generations.abandonAll();
        assertEquals(0, generations.size());
        assertTrue(all.stream().allMatch(RunningGeneration::ended));
    }

    @Test
    void aGenerationEndsOnceAndItsGraceTimerWithIt() {
        RunningGeneration g = Running.of(Records.request(0, 0, "a"));
        ScheduledFuture<?> grace = timers.schedule(() -> { }, 1, TimeUnit.HOURS);
        g.graceStarted(grace);
        assertTrue(g.graceRunning());
        assertTrue(g.end("finished"));
        assertTrue(grace.isCancelled());
        assertFalse(g.end("cancelled"), "already ended");
    }

    @Test
    void aClientComingBackStopsTheGraceTimer() {
        RunningGeneration g = Running.of(Records.request(0, 0, "a"));
        ScheduledFuture<?> grace = timers.schedule(() -> { }, 1, TimeUnit.HOURS);
        g.graceStarted(grace);
        g.graceStopped();
        assertFalse(g.graceRunning());
        assertTrue(grace.isCancelled());
        assertFalse(g.ended());
    }
}
