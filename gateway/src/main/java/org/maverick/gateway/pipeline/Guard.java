package org.maverick.gateway.pipeline;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.telemetry.GenerationTrace;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A generation's stream that can be ended from outside: by the watchdog (idle or total deadline) or
 * by shutdown. It forwards the subscriber's demand unchanged, so backpressure reaches the engine as
 * before; per event it only stores the watchdog's current tick.
 */
final class Guard {

    private final long startTick;
    private volatile long lastTick;
    private final AtomicReference<Flow.Subscription> upstream = new AtomicReference<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile io.smallrye.mutiny.subscription.MultiEmitter<? super GenerationEvent> emitter;
    private volatile GenerationTrace trace;

    Guard(long tick) {
        this.startTick = tick;
        this.lastTick = tick;
    }

    long startTick() {
        return startTick;
    }

    long lastTick() {
        return lastTick;
    }

    /** Ends the stream with this failure (a final error event for streaming clients), cancelling upstream. */
    void abort(GatewayException failure) {
        if (ended.compareAndSet(false, true)) {
            GenerationTrace t = trace;
            if (t != null) {
                t.onFailure(failure);
            }
            Flow.Subscription s = upstream.get();
            if (s != null) {
                s.cancel();
            }
            var e = emitter;
            if (e != null) {
                e.fail(failure);
            }
        }
    }

    /**
     * Wraps the stream; {@code trace} sees every event and the end (completion, failure, the
     * subscriber leaving), here rather than in separate operators, to keep the token path short.
     */
    Multi<GenerationEvent> wrap(Multi<GenerationEvent> inner, GenerationTrace trace,
                                java.util.concurrent.atomic.AtomicInteger inFlight, Runnable onEnd, TickSource ticks) {
        return Multi.createFrom().emitter(em -> {
            emitter = em;
            this.trace = trace;
            inFlight.incrementAndGet();
            // Demand first, then subscribe: a request racing in between is counted twice, which only
            // over-requests a little; the other order could lose a request and stall the stream.
            em.onRequest(n -> {
                Flow.Subscription s = upstream.get();
                if (s != null) {
                    s.request(n);
                }
            });
            em.onTermination(() -> {
                if (ended.compareAndSet(false, true)) { // the subscriber left: cancel upstream
                    trace.onCancellation();
                    Flow.Subscription s = upstream.get();
                    if (s != null) {
                        s.cancel();
                    }
                }
                inFlight.decrementAndGet();
                onEnd.run();
            });
            inner.subscribe().withSubscriber(new MultiSubscriber<GenerationEvent>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    upstream.set(s);
                    if (ended.get()) {
                        s.cancel();
                        return;
                    }
                    long r = em.requested();
                    if (r > 0) {
                        s.request(r);
                    }
                }

                @Override
                public void onItem(GenerationEvent item) {
                    lastTick = ticks.now();
                    trace.onEvent(item);
                    em.emit(item);
                }

                @Override
                public void onFailure(Throwable failure) {
                    if (ended.compareAndSet(false, true)) {
                        trace.onFailure(failure);
                        em.fail(failure);
                    }
                }

                @Override
                public void onCompletion() {
                    if (ended.compareAndSet(false, true)) {
                        trace.onCompletion();
                        em.complete();
                    }
                }
            });
        }, BackPressureStrategy.BUFFER);
    }

    /** A coarse clock the watchdog advances, so the token path reads a field instead of the system clock. */
    interface TickSource {
        long now();
    }
}
