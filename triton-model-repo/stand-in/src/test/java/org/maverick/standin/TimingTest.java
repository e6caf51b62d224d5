package org.maverick.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TimingTest {

    @Test
    void interTokenLatencyRisesLinearlyFromMinToMaxOverTheSlots() {
        Timing t = Timing.defaults();
        assertEquals(12_000_000L, t.itlNanos(1));
        assertEquals(40_000_000L, t.itlNanos(256));
        assertEquals(40_000_000L, t.itlNanos(1000));
        assertEquals(26_000_000L, t.itlNanos(1 + 255 / 2), 100_000);
    }

    @Test
    void timeToFirstTokenGrowsWithThePromptAndScales() {
        assertEquals(50_000_000L, Timing.defaults().ttftNanos(0));
        assertEquals(70_000_000L, Timing.defaults().ttftNanos(1000));
        assertEquals(1_000_000L, Timing.fast().ttftNanos(0));
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Timing.defaults().withSlots(0));
        assertThrows(IllegalArgumentException.class, () -> Timing.defaults().withScale(-1));
    }
}
