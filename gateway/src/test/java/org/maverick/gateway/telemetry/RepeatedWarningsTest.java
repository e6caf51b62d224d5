package org.maverick.gateway.telemetry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One line per reason per interval, with the count of those not logged; reasons are independent. */
class RepeatedWarningsTest {

    @Test
    void aReasonIsLoggedOncePerIntervalAndThenWithTheCountOfThoseDropped() {
        RepeatedWarnings w = new RepeatedWarnings(Duration.ofSeconds(10));
        long s = 1_000_000_000L;
        List<Long> counts = new ArrayList<>();
        assertTrue(w.due("broker away", 0, counts::add));
        for (int i = 1; i <= 5400; i++) { // a client that spins: thousands of repeats within the interval
            assertFalse(w.due("broker away", i * 1_000_000L, counts::add));
        }
        assertTrue(w.due("other reason", 6 * s, counts::add), "another reason has its own interval");
        assertFalse(w.due("broker away", 9 * s, counts::add));
        assertTrue(w.due("broker away", 10 * s, counts::add));
        assertEquals(List.of(0L, 0L, 5401L), counts, "the line after the interval carries the count");
    }

    @Test
    void theLoggedLineCarriesTheCount() {
        RepeatedWarnings w = new RepeatedWarnings(Duration.ZERO);
        List<String> lines = new ArrayList<>();
        w.log("r", "Kafka is away", lines::add);
        assertEquals(List.of("Kafka is away"), lines);
    }
}
