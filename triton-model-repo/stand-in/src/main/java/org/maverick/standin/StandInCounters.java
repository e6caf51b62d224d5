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
    /** The prompts of the last {@value #PROMPTS_KEPT} generations admitted, oldest first. */
    private final java.util.ArrayDeque<String> prompts = new java.util.ArrayDeque<>();
    private static final int PROMPTS_KEPT = 64;

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

    /** The prompts (text_input) of the last 64 generations admitted, oldest first. */
    public java.util.List<String> prompts() {
        synchronized (prompts) {
            return java.util.List.copyOf(prompts);
        }
    }

    void recordPrompt(String prompt) {
        synchronized (prompts) {
            if (prompts.size() == PROMPTS_KEPT) {
                prompts.removeFirst();
            }
            prompts.addLast(prompt);
        }
    }

    /** Zeroes the totals; {@link #inFlight()} and {@link #queued()} describe live work and stay. */
    public void reset() {
        started.reset();
        finished.reset();
        cancelled.reset();
        failed.reset();
        rejected.reset();
        synchronized (prompts) {
            prompts.clear();
        }
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
