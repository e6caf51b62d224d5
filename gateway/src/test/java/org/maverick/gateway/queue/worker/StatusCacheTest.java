package org.maverick.gateway.queue.worker;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.Messages;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The worker's status cache: latest status per request, bounded, oldest first out. */
class StatusCacheTest {

    private static Messages.Status status(String id, String state, int attempt) {
        return new Messages.Status(Messages.VERSION, id, state, attempt, "t", null, null, 0);
    }

    @Test
    void keepsTheLatestStatusOfEachRequest() {
        StatusCache cache = new StatusCache();
        cache.put(status("a", Messages.Status.RUNNING, 1));
        cache.put(status("a", Messages.Status.FINISHED, 1));
        assertEquals(Messages.Status.FINISHED, cache.get("a").state());
        assertNull(cache.get("b"));
    }

    @Test
    void pastItsBoundTheFirstPutGoesFirst() {
        StatusCache cache = new StatusCache(3);
        for (String id : new String[] {"a", "b", "c", "d"}) {
            cache.put(status(id, Messages.Status.FINISHED, 1));
        }
        assertEquals(3, cache.size());
        assertNull(cache.get("a"));
        assertNotNull(cache.get("d"));
    }

    @Test
    void aNewerStatusOfAnOldRequestDoesNotRenewItsPlace() {
        StatusCache cache = new StatusCache(2);
        cache.put(status("a", Messages.Status.RUNNING, 1));
        cache.put(status("b", Messages.Status.RUNNING, 1));
        cache.put(status("a", Messages.Status.FINISHED, 1));
        cache.put(status("c", Messages.Status.RUNNING, 1));
        assertNull(cache.get("a"), "a was put first");
        assertNotNull(cache.get("b"));
    }

    @Test
    void statusesReadBackAreBoundedToo() {
        StatusCache cache = new StatusCache(2);
        Map<String, Messages.Status> read = new LinkedHashMap<>();
        for (String id : new String[] {"a", "b", "c"}) {
            read.put(id, status(id, Messages.Status.FINISHED, 2));
        }
        cache.putAll(read);
        assertEquals(2, cache.size());
        assertEquals(2, cache.get("c").attempt());
    }

    @Test
    void theDefaultBoundHoldsFarMoreThanARereadWindow() {
        StatusCache cache = new StatusCache();
        for (int i = 0; i <= StatusCache.MAX; i++) {
            cache.put(status("r-" + i, Messages.Status.FINISHED, 1));
        }
        assertEquals(StatusCache.MAX, cache.size());
        assertNull(cache.get("r-0"));
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StatusCache(0));
    }
}
