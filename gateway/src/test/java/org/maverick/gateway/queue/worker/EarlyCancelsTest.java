package org.maverick.gateway.queue.worker;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cancels that arrive before their request starts: used once, kept for a while, bounded. */
class EarlyCancelsTest {

    @Test
    void aCancelIsUsedUpByTheRequestItNames() {
        EarlyCancels cancels = new EarlyCancels();
        cancels.add("a", 0);
        assertFalse(cancels.take("b"));
        assertTrue(cancels.take("a"));
        assertFalse(cancels.take("a"), "used up");
    }

    @Test
    void cancelsExpireAfterTheirKeepingTime() {
        EarlyCancels cancels = new EarlyCancels();
        long keep = EarlyCancels.KEEP.toMillis();
        cancels.add("old", 1_000);
        cancels.add("new", 2_000);
        cancels.expire(1_000 + keep);
        assertEquals(2, cancels.size(), "exactly at its keeping time it is still kept");
        cancels.expire(1_001 + keep);
        assertFalse(cancels.take("old"));
        assertTrue(cancels.take("new"));
    }

    @Test
    void pastItsBoundTheOldestCancelGoesFirst() {
        EarlyCancels cancels = new EarlyCancels(2);
        cancels.add("a", 0);
        cancels.add("b", 0);
        cancels.add("c", 0);
        assertEquals(2, cancels.size());
        assertFalse(cancels.take("a"));
        assertTrue(cancels.take("b"));
        assertTrue(cancels.take("c"));
    }
}
