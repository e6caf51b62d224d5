package org.maverick.standin;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The stand-in's "GPU": a fixed number of in-flight batch slots, a FIFO queue in front of them,
 * and the scheduler that paces every generation. Generations never own a thread; each step is a
 * task on the shared scheduler.
 *
 * <p>Lock order: a generation's lock may be held while taking the engine's lock, never the
 * reverse. Promoting a queued generation therefore only submits its start to the scheduler.
 */
final class Engine {

    final ScheduledExecutorService scheduler;
    final Timing timing;
    final StandInCounters counters;
    final Faults faults;

    private final Set<Generation> running = new HashSet<>();
    private final Queue<Generation> waiting = new ArrayDeque<>();
    /** Generations by request id, for the llmapi model's {@code stop} input. */
    private final Map<String, Generation> byId = new ConcurrentHashMap<>();

    Engine(ScheduledExecutorService scheduler, Timing timing, StandInCounters counters, Faults faults) {
        this.scheduler = scheduler;
        this.timing = timing;
        this.counters = counters;
        this.faults = faults;
    }

    void admit(Generation g) {
        counters.recordStarted();
        if (!g.id().isEmpty()) {
            byId.put(g.id(), g);
        }
        synchronized (this) {
            if (running.size() < timing.slots()) {
                running.add(g);
                counters.inFlightGauge().incrementAndGet();
            } else {
                waiting.add(g);
                counters.queuedGauge().incrementAndGet();
                return;
            }
        }
        scheduler.execute(g::start);
    }

    /** Frees g's slot or queue place; the oldest waiting generation takes a freed slot. */
    void release(Generation g) {
        byId.remove(g.id(), g);
        Generation next = null;
        synchronized (this) {
            if (running.remove(g)) {
                counters.inFlightGauge().decrementAndGet();
                next = waiting.poll();
                if (next != null) {
                    counters.queuedGauge().decrementAndGet();
                    running.add(next);
                    counters.inFlightGauge().incrementAndGet();
                }
            } else if (waiting.remove(g)) {
                counters.queuedGauge().decrementAndGet();
            }
        }
        if (next != null) {
            scheduler.execute(next::start);
        }
    }

    synchronized int inFlight() {
        return running.size();
    }

    /** The generation running under this request id, if any (llmapi {@code stop}). */
    Generation byId(String id) {
        return byId.get(id);
    }

    /** Per-token delay now, in nanoseconds. */
    long itlNanos() {
        return timing.itlNanos(inFlight());
    }
}
