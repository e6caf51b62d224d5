package org.maverick.gateway.backend;

import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.backend.triton.TritonBackend;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.queue.QueuedBackend;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.gateway.telemetry.GenerationTrace;
import org.maverick.gateway.telemetry.Telemetry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Backend} every edge uses: sends each generation where its {@link Generation#dispatch()}
 * says, straight to Triton or through the Kafka queue, and traces and measures it the same way for
 * SSE, WebSocket and non-streamed clients alike.
 */
@ApplicationScoped
public class RoutingBackend implements Backend {

    private final TritonBackend direct;
    private final QueuedBackend queued;
    private final Telemetry telemetry;
    private final AtomicInteger directInFlight = new AtomicInteger();
    private final AtomicInteger queuedInFlight = new AtomicInteger();

    RoutingBackend(TritonBackend direct, QueuedBackend queued, Telemetry telemetry) {
        this.direct = direct;
        this.queued = queued;
        this.telemetry = telemetry;
        telemetry.metrics().gauge(GatewayMetrics.IN_FLIGHT, "Generations this instance is streaming to clients now.",
                directInFlight::get, "maverick.mode", "direct");
        telemetry.metrics().gauge(GatewayMetrics.IN_FLIGHT, "Generations this instance is streaming to clients now.",
                queuedInFlight::get, "maverick.mode", "queued");
    }

    @Override
    public Multi<GenerationEvent> generate(Generation generation) {
        boolean isQueued = generation.dispatch() == Generation.Dispatch.QUEUED;
        GenerationTrace trace = telemetry.start(generation);
        Multi<GenerationEvent> events;
        // The downstream hop (Triton call or Kafka publish) captures the current context when the
        // generation is created: make the generation's span current for that.
        try (Scope ignored = trace.context().makeCurrent()) {
            events = isQueued ? queued.generate(generation) : direct.generate(generation);
        }
        AtomicInteger inFlight = isQueued ? queuedInFlight : directInFlight;
        return events
                .onSubscription().invoke(s -> inFlight.incrementAndGet())
                .onItem().invoke(trace::onEvent)
                .onFailure().invoke(trace::onFailure)
                .onCompletion().invoke(trace::onCompletion)
                .onCancellation().invoke(trace::onCancellation)
                .onTermination().invoke(() -> inFlight.decrementAndGet());
    }

    @Override
    public boolean ready() {
        return direct.ready();
    }
}
