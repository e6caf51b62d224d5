package org.maverick.gateway.backend.triton;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The breaker's state machine, driven by a hand-held clock (nanoseconds). */
class CircuitBreakerTest {

    private static final long SECOND = 1_000_000_000L;
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(10));

    @Test
    void staysClosedBelowTheThresholdOfConsecutiveFailures() {
        assertFalse(breaker.onFailure(0, "x"));
        assertFalse(breaker.onFailure(0, "x"));
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state(0));
        assertTrue(breaker.allowsTraffic(0));
    }

    @Test
    void aSuccessResetsTheCount() {
        breaker.onFailure(0, "x");
        breaker.onFailure(0, "x");
        breaker.onSuccess();
        breaker.onFailure(0, "x");
        breaker.onFailure(0, "x");
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state(0));
    }

    @Test
    void opensAtTheThresholdAndTakesNoTraffic() {
        breaker.onFailure(0, "a");
        breaker.onFailure(0, "b");
        assertTrue(breaker.onFailure(0, "c"), "the third consecutive failure opens it");
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(0));
        assertFalse(breaker.allowsTraffic(5 * SECOND));
        assertEquals("c", breaker.lastFailure());
    }

    @Test
    void turnsHalfOpenAfterTheCoolDownAndStillTakesNoTraffic() {
        open(0);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(10 * SECOND - 1));
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state(10 * SECOND));
        assertFalse(breaker.allowsTraffic(10 * SECOND), "in half-open the readiness probe is the trial");
    }

    @Test
    void aReadyProbeClosesAHalfOpenBreaker() {
        open(0);
        assertTrue(breaker.onProbe(11 * SECOND, true));
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state(11 * SECOND));
        assertTrue(breaker.allowsTraffic(11 * SECOND));
        assertEquals(0, breaker.consecutiveFailures());
    }

    @Test
    void aProbeDuringTheCoolDownDoesNotCloseIt() {
        open(0);
        assertFalse(breaker.onProbe(SECOND, true));
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(SECOND));
    }

    @Test
    void anUnreadyProbeReopensAndRestartsTheCoolDown() {
        open(0);
        assertFalse(breaker.onProbe(12 * SECOND, false));
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(12 * SECOND));
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(21 * SECOND));
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state(22 * SECOND));
    }

    @Test
    void aFailureWhileHalfOpenReopens() {
        open(0);
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state(10 * SECOND));
        assertTrue(breaker.onFailure(10 * SECOND, "late"));
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(10 * SECOND));
    }

    @Test
    void resultsOfCallsStartedBeforeItOpenedDoNotChangeAnOpenBreaker() {
        open(0);
        breaker.onSuccess();
        assertFalse(breaker.onFailure(SECOND, "straggler"));
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(SECOND));
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state(10 * SECOND), "the cool-down is not extended");
    }

    @Test
    void refusesAThresholdBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker(0, Duration.ofSeconds(1)));
    }

    private void open(long now) {
        for (int i = 0; i < 3; i++) {
            breaker.onFailure(now, "x");
        }
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(now));
    }
}
