package org.maverick.benchmark.load;

import java.util.Arrays;

/**
 * A growable list of long samples (nanoseconds, usually) and their percentiles. Not thread-safe:
 * each instance is filled from one event loop, or merged under the caller's lock.
 */
public final class Samples {

    private long[] values = new long[64];
    private int size;

    public void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    public void addAll(Samples other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
    }

    public int size() {
        return size;
    }

    public long get(int i) {
        return values[i];
    }

    /** The distribution of the samples, scaled by {@code 1/divisor} (1e6 turns nanoseconds into milliseconds). */
    public Distribution distribution(double divisor) {
        if (size == 0) {
            return Distribution.EMPTY;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        double sum = 0;
        for (long v : sorted) {
            sum += v;
        }
        return new Distribution(size, sum / size / divisor, sorted[0] / divisor,
                percentile(sorted, 50) / divisor, percentile(sorted, 90) / divisor,
                percentile(sorted, 99) / divisor, sorted[size - 1] / divisor);
    }

    /**
     * The p-th percentile of sorted values with linear interpolation between closest ranks
     * (numpy's default, which genai-perf uses): rank = p/100 × (n − 1).
     */
    public static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double rank = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    /** Summary of one metric, in the unit the caller chose. */
    public record Distribution(int count, double mean, double min, double p50, double p90, double p99, double max) {
        public static final Distribution EMPTY = new Distribution(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN);
    }
}
