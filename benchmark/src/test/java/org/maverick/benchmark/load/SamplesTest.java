package org.maverick.benchmark.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void percentilesInterpolateLinearlyBetweenClosestRanksAsNumpyDoes() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5.5, Samples.percentile(sorted, 50), 1e-9);
        assertEquals(9.1, Samples.percentile(sorted, 90), 1e-9);
        assertEquals(9.91, Samples.percentile(sorted, 99), 1e-9);
        assertEquals(10, Samples.percentile(sorted, 100), 1e-9);
        assertEquals(1, Samples.percentile(sorted, 0), 1e-9);
        assertEquals(42, Samples.percentile(new long[] {42}, 99), 1e-9);
    }

    @Test
    void distributionSortsScalesAndGrowsPastItsInitialCapacity() {
        Samples s = new Samples();
        for (int i = 1000; i >= 1; i--) {
            s.add(i * 1_000_000L);
        }
        Samples.Distribution d = s.distribution(1e6);
        assertEquals(1000, d.count());
        assertEquals(1.0, d.min(), 1e-9);
        assertEquals(1000.0, d.max(), 1e-9);
        assertEquals(500.5, d.p50(), 1e-9);
        assertEquals(990.01, d.p99(), 1e-9);
        assertEquals(500.5, d.mean(), 1e-9);
        assertTrue(Double.isNaN(new Samples().distribution(1).p50()));
    }
}
