package org.maverick.gateway.api;

import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The outbound side of one WebSocket: counts the bytes handed to the socket that the network has not
 * taken yet, pauses the socket's generations while they pile up, and reports a client that lets
 * them grow past the hard limit.
 *
 * <p>Threading: used on the socket's event loop only; the transport completes its write stages on
 * that event loop too (Vert.x completes a write when Netty has flushed it to the kernel).
 *
 * <p>Invariants: {@code pending} is the sum of the UTF-8 sizes of the messages whose write has not
 * completed. A generation asks for its next event through {@link #whenWritable}, which runs the
 * request at once below the pause mark and parks it otherwise; so what generations add beyond the
 * pause mark is at most one event each. Messages that answer the client (pong, errors) are never
 * held back; a client that sends without reading is stopped by the hard limit.
 */
public final class Outbox {

    /** What the socket reports back. */
    public interface Listener {
        /** The first generation was parked: the client is not keeping up. */
        void paused();

        /** The backlog fell below the pause mark and the parked generations were resumed. */
        void resumed();

        /** More than the hard limit is waiting to be written: close the socket. Called once. */
        void overflow(long pendingBytes);
    }

    /** Vert.x's default write-queue size, the point where SSE responses pause too. */
    static final int DEFAULT_PAUSE_MARK = 64 * 1024;

    private final Function<String, CompletionStage<Void>> transport;
    private final Listener listener;
    private final long maxPendingBytes;
    private final long pauseMark;
    private final ArrayDeque<Runnable> parked = new ArrayDeque<>();
    private long pending;
    private boolean overflowed;

    public Outbox(int maxPendingBytes, Function<String, CompletionStage<Void>> transport, Listener listener) {
        this.transport = transport;
        this.listener = listener;
        this.maxPendingBytes = maxPendingBytes;
        this.pauseMark = Math.max(1, Math.min(DEFAULT_PAUSE_MARK, maxPendingBytes / 2));
    }

    /** Hands one text message to the socket. Ignored once the socket overflowed (it is being closed). */
    public void send(String text) {
        if (overflowed) {
            return;
        }
        int size = utf8Length(text);
        pending += size;
        if (pending > maxPendingBytes) {
            overflowed = true;
            parked.clear();
            listener.overflow(pending);
            return;
        }
        transport.apply(text).whenComplete((ok, failure) -> written(size));
    }

    /** Runs {@code request} now if the socket is keeping up, else when the backlog falls below the pause mark. */
    public void whenWritable(Runnable request) {
        if (overflowed) {
            return;
        }
        if (pending < pauseMark && parked.isEmpty()) {
            request.run();
            return;
        }
        parked.add(request);
        if (parked.size() == 1) {
            listener.paused();
        }
    }

    public long pendingBytes() {
        return pending;
    }

    boolean paused() {
        return !parked.isEmpty();
    }

    private void written(int size) {
        // A failed write (the socket closed) also leaves the queue: its bytes are no longer waiting.
        pending -= size;
        if (pending < pauseMark && !parked.isEmpty() && !overflowed) {
            // Run only the requests parked so far: one that parks again while we run them waits for the next write.
            int n = parked.size();
            for (int i = 0; i < n && pending < pauseMark; i++) {
                parked.poll().run();
            }
            if (parked.isEmpty()) {
                listener.resumed();
            }
        }
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
