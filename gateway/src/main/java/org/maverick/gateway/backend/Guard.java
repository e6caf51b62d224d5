package org.maverick.gateway.backend;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GenerationEvent;

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

    Multi<GenerationEvent> wrap(Multi<GenerationEvent> inner, Runnable onEnd, TickSource ticks) {
        return Multi.createFrom().emitter(em -> {
            emitter = em;
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
                    Flow.Subscription s = upstream.get();
                    if (s != null) {
                        s.cancel();
                    }
                }
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
                    em.emit(item);
                }

                @Override
                public void onFailure(Throwable failure) {
                    if (ended.compareAndSet(false, true)) {
                        em.fail(failure);
                    }
                }

                @Override
                public void onCompletion() {
                    if (ended.compareAndSet(false, true)) {
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
