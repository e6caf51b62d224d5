package org.maverick.gateway.queue.worker;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the worker stops fetching requests: nothing is fetched that cannot run soon. */
class WorkerTest {

    private static final int MAX = 4;

    @Test
    void fetchesWhileSlotsAreFreeAndNothingWaits() {
        assertFalse(Worker.shouldPause(0, 0, false, MAX, true));
        assertFalse(Worker.shouldPause(MAX - 1, 0, false, MAX, true));
    }

    @Test
    void pausesWhenEverySlotRuns() {
        assertTrue(Worker.shouldPause(MAX, 0, false, MAX, true));
    }

    @Test
    void pausesWhenTheWaitingRequestsFillTheFreeSlots() {
        assertFalse(Worker.shouldPause(1, 2, false, MAX, true));
        assertTrue(Worker.shouldPause(1, 3, false, MAX, true));
        assertTrue(Worker.shouldPause(0, MAX, false, MAX, true));
    }

    @Test
    void pausesWithAFullBacklog() {
        assertTrue(Worker.shouldPause(0, 0, true, MAX, true));
    }

    @Test
    void pausesWhileTheEngineIsNotReady() {
        assertTrue(Worker.shouldPause(0, 0, false, MAX, false));
    }
}
