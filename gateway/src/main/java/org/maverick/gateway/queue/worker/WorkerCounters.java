package org.maverick.gateway.queue.worker;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the worker did about clients that left, counted for its log, health data and tests; written on
 * the poll thread, read from any thread.
 */
final class WorkerCounters {

    /** Control messages about one request (cancel, client_gone, client_back) handled; heartbeats not counted. */
    final AtomicLong controls = new AtomicLong();
    /** Running generations cancelled by an explicit cancel (HTTP cancel by id, a WebSocket's cancel or close). */
    final AtomicLong cancelledExplicitly = new AtomicLong();
    /** Requests answered 'cancelled' without being started: cancelled before, or their client had gone. */
    final AtomicLong neverStarted = new AtomicLong();
    /** Running generations cancelled because no instance held their client (owner lease and grace over). */
    final AtomicLong cancelledUnheld = new AtomicLong();
}
