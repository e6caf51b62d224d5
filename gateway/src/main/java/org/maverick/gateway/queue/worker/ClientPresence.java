package org.maverick.gateway.queue.worker;

import org.maverick.kafka.Topics;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Whether anybody still reads a request's stream, as far as this worker can tell, from two sources
 * on the control topic:
 * <ul>
 *   <li><b>client_gone / client_back</b>: the instance relaying the stream says its client left (with
 *   a grace period) or that a client resumed it. Remembered whether or not the request runs here, so
 *   that a request whose client left before it was taken is not started (the race: the client leaves
 *   while its request still waits in Kafka, or before its publish completed).</li>
 *   <li><b>owner heartbeats</b> ({@code holding}): every instance lists, per control partition, the
 *   requests whose clients it holds. A request of an instance reply topic that no instance has listed
 *   for the lease counts as gone (its holder died: SIGKILL sends no client_gone), with the grace
 *   period running from the lease's end, so a client can still resume it elsewhere.</li>
 * </ul>
 * Event-driven callers' requests (a reply topic that is not an instance's) have no holder and are
 * never judged by lease.
 *
 * <p>A worker that cannot read the control topic would see every holder fall silent. So it judges
 * leases only while it reads its own instance's heartbeats promptly (sent at most half a lease ago),
 * and only a whole lease after it started doing so: an outage of its own, a lagging reader or a fresh
 * start never reads as dead owners.
 *
 * <p>Bounded: at most {@code maxNotes} client_gone notes (the oldest goes first) and one listing per
 * instance and partition (replaced by the next, dropped a few leases after the instance fell silent).
 * Poll thread only; times are this worker's clock.
 */
final class ClientPresence {

    static final int MAX_NOTES = 100_000;
    /** Not listed, not gone: the client is there, or the request is not judged. */
    static final long PRESENT = -1;

    private static final String INSTANCE_REPLY_PREFIX =
            Topics.REPLIES_TEMPLATE.substring(0, Topics.REPLIES_TEMPLATE.indexOf('{'));

    private record Listing(long receivedAt, Set<String> ids) {
    }

    private final String ownInstance;
    private final long leaseMs;
    private final long graceMs;
    /** Request id → when its grace period ends (client_gone's receipt plus its grace). */
    private final Map<String, Long> goneUntil;
    /** Instance → control partition → its latest listing. */
    private final Map<String, Map<Integer, Listing>> listings = new HashMap<>();
    /**
     * Request id → when a listing that held it was replaced by one that does not (the holder released
     * it, or it moved): its lease runs from then, not from its publication, so a client_gone that is
     * read just after the listing without the request still gets its whole grace period. Bounded.
     */
    private final Map<String, Long> lastListed;
    /** The send time (own clock) of the latest own heartbeat read. */
    private long ownSentAt = Long.MIN_VALUE / 2;
    /** Since when own heartbeats have been read promptly without a gap (-1: they are not). */
    private long liveSince = -1;

    ClientPresence(String ownInstance, long leaseMs, long graceMs) {
        this(ownInstance, leaseMs, graceMs, MAX_NOTES);
    }

    ClientPresence(String ownInstance, long leaseMs, long graceMs, int maxNotes) {
        this.ownInstance = ownInstance;
        this.leaseMs = leaseMs;
        this.graceMs = graceMs;
        this.goneUntil = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > maxNotes;
            }
        };
        this.lastListed = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > maxNotes;
            }
        };
    }

    /** Whether {@code replyTopic} is a gateway instance's own reply topic (its requests have a holder). */
    static boolean instanceReplyTopic(String replyTopic) {
        return replyTopic != null && replyTopic.startsWith(INSTANCE_REPLY_PREFIX);
    }

    /** client_gone: the client left; unless it comes back, the request is gone at {@code graceEndsAt}. */
    void gone(String requestId, long graceEndsAt) {
        goneUntil.put(requestId, graceEndsAt);
    }

    /** client_back: a client resumed the stream. */
    void back(String requestId) {
        goneUntil.remove(requestId);
    }

    /**
     * An owner heartbeat: {@code instance} holds exactly {@code ids} among the requests of control
     * partition {@code partition}, as of {@code sentAt} (the sender's clock), read at {@code now}.
     */
    void listing(String instance, int partition, Collection<String> ids, long sentAt, long now) {
        Listing fresh = new Listing(now, Set.copyOf(ids));
        Listing before = listings.computeIfAbsent(instance, i -> new HashMap<>()).put(partition, fresh);
        if (before != null) {
            for (String id : before.ids) {
                if (!fresh.ids.contains(id)) {
                    lastListed.put(id, before.receivedAt);
                }
            }
        }
        if (instance.equals(ownInstance)) {
            // Read promptly, and no longer than half a lease after the previous one was sent: reading
            // is live. A late one, or a gap (this worker could not read, or fell behind), restarts it.
            boolean prompt = now - sentAt <= leaseMs / 2;
            if (!prompt) {
                liveSince = -1;
            } else if (liveSince < 0 || now - ownSentAt > leaseMs / 2) {
                liveSince = now;
            }
            ownSentAt = Math.max(ownSentAt, sentAt);
        }
    }

    /**
     * Whether leases are judged at {@code now}: this worker has been reading its own instance's
     * heartbeats promptly and the latest was sent at most half a lease ago.
     */
    boolean judging(long now) {
        return liveSince >= 0 && now - ownSentAt <= leaseMs / 2;
    }

    /**
     * When a request's client is gone for good by lease alone: the end of the grace period that
     * follows the lease's end; {@link #PRESENT} while some instance lists it, for event-driven callers'
     * requests, and while leases are not judged.
     *
     * @param since when the request became known (its publication): no lease runs out before this plus the lease
     */
    long leaseGoneAt(String requestId, String replyTopic, long since, long now) {
        if (!instanceReplyTopic(replyTopic) || !judging(now)) {
            return PRESENT;
        }
        long lastHeld = Math.max(Math.max(since, liveSince), heldAt(requestId));
        if (now - lastHeld <= leaseMs) {
            return PRESENT;
        }
        return lastHeld + leaseMs + graceMs;
    }

    /**
     * When a request's client is gone for good, by client_gone or by lease (the earlier); {@link #PRESENT}
     * when neither says it left. At or after the returned time nobody reads the stream; before it, a
     * client may still come back.
     */
    long goneAt(String requestId, String replyTopic, long since, long now) {
        Long noted = goneUntil.get(requestId);
        long byLease = leaseGoneAt(requestId, replyTopic, since, now);
        if (noted == null) {
            return byLease;
        }
        return byLease == PRESENT ? noted : Math.min(noted, byLease);
    }

    /** Whether client_gone was received for {@code requestId} and no client_back since. */
    boolean noted(String requestId) {
        return goneUntil.containsKey(requestId);
    }

    /** The latest time an instance listed {@code requestId}, or {@link Long#MIN_VALUE}. */
    private long heldAt(String requestId) {
        long at = lastListed.getOrDefault(requestId, Long.MIN_VALUE);
        for (Map<Integer, Listing> byPartition : listings.values()) {
            for (Listing l : byPartition.values()) {
                if (l.receivedAt > at && l.ids.contains(requestId)) {
                    at = l.receivedAt;
                }
            }
        }
        return at;
    }

    /** Drops what no longer matters: notes whose grace ended an hour ago, listings of silent instances. */
    void expire(long now) {
        goneUntil.values().removeIf(until -> until < now - EarlyCancels.KEEP.toMillis());
        long silent = now - 4 * leaseMs;
        lastListed.values().removeIf(at -> at < silent);
        for (var it = listings.values().iterator(); it.hasNext(); ) {
            Map<Integer, Listing> byPartition = it.next();
            byPartition.values().removeIf(l -> l.receivedAt < silent);
            if (byPartition.isEmpty()) {
                it.remove();
            }
        }
    }

    int notes() {
        return goneUntil.size();
    }
}
