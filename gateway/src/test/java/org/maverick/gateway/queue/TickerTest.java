package org.maverick.gateway.queue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The shared coalescing timer: armed only while a publisher has text waiting, one tick per window at most. */
class TickerTest {

    /** Keeps the scheduled ticks instead of running them, so the test runs them itself. */
    static final class ManualScheduler extends ScheduledThreadPoolExecutor {
        final List<Runnable> ticks = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();

        ManualScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            ticks.add(command);
            delays.add(unit.toNanos(delay));
            return null;
        }

        void runNext() {
            ticks.remove(0).run();
        }
    }

    private final ManualScheduler scheduler = new ManualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private static EventPublisher publisher(EventPublisher.Ticker ticker, String id) {
        // nothing pending when flushed: the publisher sends nothing, so it needs no producer
        return new EventPublisher(null, null, ticker, "replies", 0, id, 1, 0, true);
    }

    @Test
    void noWindowNoTicker() {
        assertNull(EventPublisher.Ticker.every(scheduler, 0));
    }

    @Test
    void idleTickerSchedulesNothing() {
        EventPublisher.Ticker.every(scheduler, 16_000_000);
        assertEquals(0, scheduler.ticks.size());
    }

    @Test
    void armedOncePerWindowWhilePublishersWait() {
        EventPublisher.Ticker ticker = EventPublisher.Ticker.every(scheduler, 16_000_000);
        ticker.add(publisher(ticker, "a"));
        ticker.add(publisher(ticker, "b"));
        assertEquals(1, scheduler.ticks.size(), "one tick for every publisher queued in a window");
        long delay = scheduler.delays.get(0);
        assertTrue(delay > 0 && delay <= 16_000_000L, "at the next boundary of the windows' grid: at most a window, "
                + "not always a whole one: " + delay);
        scheduler.runNext();
        assertEquals(0, scheduler.ticks.size(), "nothing left queued: not re-armed");
        ticker.add(publisher(ticker, "c"));
        assertEquals(1, scheduler.ticks.size(), "the next publisher arms it again");
        scheduler.runNext();
        assertEquals(0, scheduler.ticks.size());
    }
}
