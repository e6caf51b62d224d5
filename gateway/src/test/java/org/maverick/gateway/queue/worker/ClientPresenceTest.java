package org.maverick.gateway.queue.worker;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whether anybody still reads a request's stream: client_gone notes and owner heartbeats (leases). */
class ClientPresenceTest {

    private static final long LEASE = 1_000;
    private static final long GRACE = 500;
    private static final long T0 = 1_767_225_600_000L;
    private static final String MINE = "maverick.replies.a";

    private final ClientPresence presence = new ClientPresence("w", LEASE, GRACE);

    /** This worker's own instance heartbeat, read at once: it reads the control topic promptly. */
    private void ownBeat(long now) {
        presence.listing("w", 0, List.of(), now, now);
    }

    @Test
    void aClientThatLeftIsGoneAtTheEndOfItsGracePeriodUnlessItComesBack() {
        assertEquals(ClientPresence.PRESENT, presence.goneAt("r-1", MINE, T0, T0));
        presence.gone("r-1", T0 + GRACE);
        assertEquals(T0 + GRACE, presence.goneAt("r-1", MINE, T0, T0));
        assertEquals(T0 + GRACE, presence.goneAt("r-1", "callers.topic", T0, T0), "event-driven callers too");
        presence.back("r-1");
        assertEquals(ClientPresence.PRESENT, presence.goneAt("r-1", MINE, T0, T0));
    }

    @Test
    void aRequestNoInstanceListsForALeaseIsGoneAGracePeriodLater() {
        long now = T0;
        for (; now <= T0 + 3 * LEASE; now += LEASE / 5) {
            ownBeat(now);
            presence.listing("a", 3, now < T0 + LEASE ? List.of("r-1") : List.of(), now, now);
            long goneAt = presence.leaseGoneAt("r-1", MINE, T0, now);
            if (now - (T0 + LEASE - LEASE / 5) <= LEASE) {
                assertEquals(ClientPresence.PRESENT, goneAt, "listed within the lease at " + (now - T0));
            } else {
                assertEquals(T0 + LEASE - LEASE / 5 + LEASE + GRACE, goneAt, "lease over at " + (now - T0));
            }
        }
    }

    @Test
    void aListingByAnyInstanceKeepsTheRequest() {
        for (long now = T0; now <= T0 + 3 * LEASE; now += LEASE / 5) {
            ownBeat(now);
            // resumed on instance b: a's listing no longer has it, b's does
            presence.listing("a", 3, List.of(), now, now);
            presence.listing("b", 3, List.of("r-1"), now, now);
            assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", MINE, T0, now));
        }
    }

    @Test
    void eventDrivenCallersRequestsHaveNoHolderAndAreNeverJudgedByLease() {
        for (long now = T0; now <= T0 + 3 * LEASE; now += LEASE / 5) {
            ownBeat(now);
            assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", "maverick.generation.events", T0, now));
            assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", "billing.replies", T0, now));
        }
        assertTrue(ClientPresence.instanceReplyTopic("maverick.replies.gw-7"));
        assertFalse(ClientPresence.instanceReplyTopic("maverick.generation.events"));
    }

    @Test
    void noLeaseIsJudgedWhileTheWorkerDoesNotReadItsOwnInstancesHeartbeats() {
        // Broker out of reach for this worker: nothing is read, own heartbeats included.
        assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", MINE, T0, T0 + 10 * LEASE));
        // Own heartbeats read, but late (sent more than half a lease ago): still no verdict.
        presence.listing("w", 0, List.of(), T0 + 10 * LEASE, T0 + 11 * LEASE);
        assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", MINE, T0, T0 + 11 * LEASE));
        assertFalse(presence.judging(T0 + 11 * LEASE));
    }

    @Test
    void judgingStartsAfreshAfterAnInterruptionSoAWholeLeaseMustPassFirst() {
        long back = T0 + 10 * LEASE;
        for (long now = back; now <= back + LEASE; now += LEASE / 5) {
            ownBeat(now);
            assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", MINE, T0, now),
                    "silent holders during the worker's own outage say nothing yet at " + (now - back));
        }
        ownBeat(back + LEASE + 1);
        assertEquals(back + LEASE + GRACE, presence.leaseGoneAt("r-1", MINE, T0, back + LEASE + 1));
        // a gap in its own heartbeats (more than half a lease): it starts again
        ownBeat(back + 2 * LEASE);
        assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", MINE, T0, back + 2 * LEASE));
    }

    @Test
    void aRequestItsHolderReleasedCountsItsLeaseFromItsLastListingNotFromItsPublication() {
        // The client leaves instance a: a's next listing lacks it, and its client_gone may be read just
        // after: the grace period must not be skipped because the request was published long ago.
        long now = T0;
        for (; now <= T0 + 3 * LEASE; now += LEASE / 5) {
            ownBeat(now);
            presence.listing("a", 3, List.of("r-1"), now, now);
        }
        presence.listing("a", 3, List.of(), now, now);
        ownBeat(now);
        assertEquals(ClientPresence.PRESENT, presence.leaseGoneAt("r-1", MINE, T0, now));
    }

    @Test
    void aClientGoneNoteAndAnExpiredLeaseGiveTheEarlierEnd() {
        for (long now = T0; now <= T0 + 2 * LEASE; now += LEASE / 5) {
            ownBeat(now);
        }
        long now = T0 + 2 * LEASE;
        presence.gone("r-1", now + 5 * GRACE);
        assertEquals(T0 + LEASE + GRACE, presence.goneAt("r-1", MINE, T0, now));
        assertTrue(presence.noted("r-1"));
    }

    @Test
    void notesAreBounded() {
        ClientPresence small = new ClientPresence("w", LEASE, GRACE, 2);
        small.gone("r-1", T0);
        small.gone("r-2", T0);
        small.gone("r-3", T0);
        assertEquals(2, small.notes());
        assertFalse(small.noted("r-1"), "the oldest goes first");
        small.expire(T0 + EarlyCancels.KEEP.toMillis() + 1);
        assertEquals(0, small.notes());
    }
}
