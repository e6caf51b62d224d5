package org.maverick.gateway.telemetry;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MillisTest {

    private static String format(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    @Test
    void writesWhatFormatWrites() {
        long[] edges = {0, 1, 49_999, 50_000, 50_001, 99_999, 100_000, 149_999, 150_000, 250_000, 950_000, 999_999,
                1_000_000, 1_234_550_000L, 5_182_840_000L, 59_090_000L, 86_400_000_000_000L, -1, -49_999, -50_000,
                -150_000, -1_000_000, 999_999_999_999_999L, 1_000_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long n : edges) {
            assertEquals(format(n), Millis.tenths(n), "nanos " + n);
        }
        SplittableRandom random = new SplittableRandom(19);
        for (int i = 0; i < 200_000; i++) {
            long n = switch (i % 4) {
                case 0 -> random.nextLong(0, 10_000_000L);                 // under 10 ms
                case 1 -> random.nextLong(0, 600_000_000_000L);            // up to 10 minutes
                case 2 -> random.nextLong(0, 100_000) * 100_000 + 50_000;  // exactly on a half tenth
                default -> random.nextLong(-10_000_000L, 0);
            };
            assertEquals(format(n), Millis.tenths(n), "nanos " + n);
        }
    }
}
