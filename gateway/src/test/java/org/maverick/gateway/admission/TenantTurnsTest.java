package org.maverick.gateway.admission;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Whose turn it is, on its own: the tenant after the one served last, wrapping round. */
class TenantTurnsTest {

    @Test
    void nobodyWaitingHasNoTurn() {
        TenantTurns turns = new TenantTurns();
        assertNull(turns.next(List.of()));
        assertEquals("", turns.last(), "nobody was served");
    }

    @Test
    void theFirstTurnGoesToTheFirstListed() {
        TenantTurns turns = new TenantTurns();
        assertEquals("a", turns.next(List.of("a", "b", "c")));
        assertEquals("a", turns.last());
    }

    @Test
    void tenantsTakeTurnsInTheirOrderAndWrapRound() {
        TenantTurns turns = new TenantTurns();
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            served.add(turns.next(List.of("a", "b", "c")));
        }
        assertEquals(List.of("a", "b", "c", "a", "b", "c", "a"), served);
    }

    @Test
    void whenTheTenantServedLastNoLongerWaitsTheFirstListedIsNext() {
        TenantTurns turns = new TenantTurns();
        turns.next(List.of("a", "b", "c"));
        turns.next(List.of("a", "b", "c")); // b served
        assertEquals("a", turns.next(List.of("a", "c")), "b is gone: start over from the first");
    }

    @Test
    void theTenantAfterTheOneServedLastIsNextEvenIfTheListChanged() {
        TenantTurns turns = new TenantTurns();
        turns.next(List.of("a", "b")); // a
        assertEquals("d", turns.next(List.of("c", "a", "d")), "the one after a in the current order");
    }

    @Test
    void aLoneTenantGetsEveryTurn() {
        TenantTurns turns = new TenantTurns();
        assertEquals("a", turns.next(List.of("a")));
        assertEquals("a", turns.next(List.of("a")));
    }

    @Test
    void aBurstCannotStarveATenantThatArrivesLater() {
        // The waiting work of a burst tenant arrived first; a quiet tenant waits behind it.
        List<String> waiting = new ArrayList<>(List.of("burst", "burst", "burst", "burst", "quiet"));
        TenantTurns turns = new TenantTurns();
        List<String> served = new ArrayList<>();
        while (!waiting.isEmpty()) {
            String next = turns.next(new java.util.LinkedHashSet<>(waiting));
            waiting.remove(next);
            served.add(next);
        }
        assertEquals(List.of("burst", "quiet", "burst", "burst", "burst"), served);
    }
}
