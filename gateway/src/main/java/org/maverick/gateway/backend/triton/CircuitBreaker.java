package org.maverick.gateway.backend.triton;

import java.time.Duration;

/**
 * Takes a Triton endpoint out of the pool after it keeps failing, and lets the readiness probe bring
 * it back. Pure state, no clock of its own: every method takes the current {@link System#nanoTime()},
 * so tests drive time by hand.
 *
 * <pre>
 * CLOSED --failureThreshold consecutive failed calls--> OPEN
 * OPEN --coolDown elapsed--> HALF_OPEN
 * HALF_OPEN --readiness probe ready--> CLOSED
 * HALF_OPEN --readiness probe not ready, or a failed call--> OPEN (cool-down starts again)
 * </pre>
 *
 * Only CLOSED takes traffic; in HALF_OPEN the readiness probe, not a live request, is the trial.
 * A success resets the count, so "keeps failing" means consecutive failures. Results of calls that
 * were already running when the breaker opened do not change an open breaker. Thread-safe.
 */
final class CircuitBreaker {

    enum State {
        CLOSED, OPEN, HALF_OPEN;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final int failureThreshold;
    private final long coolDownNanos;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAt;
    private String lastFailure = "";

    CircuitBreaker(int failureThreshold, Duration coolDown) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failure threshold must be at least 1, got " + failureThreshold);
        }
        this.failureThreshold = failureThreshold;
        this.coolDownNanos = coolDown.toNanos();
    }

    /** The state now; an open breaker whose cool-down has passed turns half-open here. */
    synchronized State state(long now) {
        if (state == State.OPEN && now - openedAt >= coolDownNanos) {
            state = State.HALF_OPEN;
        }
        return state;
    }

    synchronized boolean allowsTraffic(long now) {
        return state(now) == State.CLOSED;
    }

    synchronized void onSuccess() {
        if (state == State.CLOSED) {
            consecutiveFailures = 0;
        }
    }

    /** Counts a failed call; returns true when this failure opened the breaker. */
    synchronized boolean onFailure(long now, String reason) {
        State current = state(now);
        lastFailure = reason;
        if (current == State.CLOSED && ++consecutiveFailures >= failureThreshold
                || current == State.HALF_OPEN) {
            open(now);
            return true;
        }
        return false;
    }

    /** Feeds a readiness probe's result; returns true when it closed a half-open breaker. */
    synchronized boolean onProbe(long now, boolean ready) {
        if (state(now) != State.HALF_OPEN) {
            return false;
        }
        if (ready) {
            state = State.CLOSED;
            consecutiveFailures = 0;
            return true;
        }
        open(now);
        return false;
    }

    synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    synchronized String lastFailure() {
        return lastFailure;
    }

    private void open(long now) {
        state = State.OPEN;
        openedAt = now;
        consecutiveFailures = 0;
    }
}
