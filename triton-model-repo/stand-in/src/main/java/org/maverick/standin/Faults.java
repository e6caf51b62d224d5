package org.maverick.standin;

/**
 * Fault knobs, changeable at any time while the stand-in runs; each setter returns this.
 * Changes apply to requests (or responses) that arrive after the change.
 */
public final class Faults {

    private volatile boolean ready = true;
    private volatile double failFraction;
    private volatile int cutAfterResponses;
    private volatile long readyDelayMillis;

    /** false: ServerReady and ModelReady answer not ready (inference still runs, as liveness stays). */
    public Faults ready(boolean value) {
        this.ready = value;
        return this;
    }

    /**
     * ServerReady and ModelReady answer only after this long (a Triton too busy to answer its probes
     * quickly); inference is unaffected. 0 = at once.
     */
    public Faults readyDelayMillis(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("readyDelayMillis must be >= 0, was " + value);
        }
        this.readyDelayMillis = value;
        return this;
    }

    /** Fraction (0 to 1) of accepted requests answered with an error_message instead of text. */
    public Faults failFraction(double value) {
        if (value < 0 || value > 1) {
            throw new IllegalArgumentException("failFraction must be within [0, 1], was " + value);
        }
        this.failFraction = value;
        return this;
    }

    /** Abort every ModelStreamInfer call with gRPC UNAVAILABLE after it sent N responses; 0 = off. */
    public Faults cutAfterResponses(int value) {
        if (value < 0) {
            throw new IllegalArgumentException("cutAfterResponses must be >= 0, was " + value);
        }
        this.cutAfterResponses = value;
        return this;
    }

    /** Back to a healthy server. */
    public Faults clear() {
        ready = true;
        failFraction = 0;
        cutAfterResponses = 0;
        readyDelayMillis = 0;
        return this;
    }

    public boolean ready() {
        return ready;
    }

    public double failFraction() {
        return failFraction;
    }

    public long readyDelayMillis() {
        return readyDelayMillis;
    }

    public int cutAfterResponses() {
        return cutAfterResponses;
    }
}
