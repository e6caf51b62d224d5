package org.maverick.standin;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Exact, thread-safe counts of what the stand-in did, for tests and benchmarks.
 *
 * <p>Invariant once a request has been accepted (passed validation):
 * {@code started == finished + cancelled + failed + inFlight + queued}. Requests refused by
 * validation never start; they are counted in {@link #rejected()}.
 */
public final class StandInCounters {

    private final LongAdder started = new LongAdder();
    private final LongAdder finished = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder doubledBos = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();

    /** Requests accepted for generation (queued or not). */
    public long started() {
        return started.sum();
    }

    /** Generations that ended normally (end of text, max tokens or stop string). */
    public long finished() {
        return finished.sum();
    }

    /** Generations stopped by the client: call cancelled or a {@code stop} request. */
    public long cancelled() {
        return cancelled.sum();
    }

    /** Accepted requests that ended in an error: injected faults, error and cut directives. */
    public long failed() {
        return failed.sum();
    }

    /** Requests refused before they started (unknown model, bad inputs, reserved parameters). */
    public long rejected() {
        return rejected.sum();
    }

    /** Prompts that started with {@code <|begin_of_text|>} although the model adds BOS itself. */
    public long doubledBos() {
        return doubledBos.sum();
    }

    /** Generations holding a batch slot now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Accepted requests waiting for a batch slot now. */
    public int queued() {
        return queued.get();
    }

    /** Zeroes the totals; {@link #inFlight()} and {@link #queued()} describe live work and stay. */
    public void reset() {
        started.reset();
        finished.reset();
        cancelled.reset();
        failed.reset();
        rejected.reset();
        doubledBos.reset();
    }

    void recordStarted() {
        started.increment();
    }

    void recordFinished() {
        finished.increment();
    }

    void recordCancelled() {
        cancelled.increment();
    }

    void recordFailed() {
        failed.increment();
    }

    void recordRejected() {
        rejected.increment();
    }

    void recordDoubledBos() {
        doubledBos.increment();
    }

    AtomicInteger inFlightGauge() {
        return inFlight;
    }

    AtomicInteger queuedGauge() {
        return queued;
    }

    @Override
    public String toString() {
        return "started=" + started() + " finished=" + finished() + " cancelled=" + cancelled() + " failed=" + failed()
                + " rejected=" + rejected() + " inFlight=" + inFlight() + " queued=" + queued()
                + " doubledBos=" + doubledBos();
    }
}
