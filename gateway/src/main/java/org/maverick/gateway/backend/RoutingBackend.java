package org.maverick.gateway.backend;

import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.backend.triton.TritonBackend;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.queue.QueuedBackend;

/**
 * The {@link Backend} every edge uses: sends each generation where its {@link Generation#dispatch()}
 * says, straight to Triton or through the Kafka queue.
 */
@ApplicationScoped
public class RoutingBackend implements Backend {

    private final TritonBackend direct;
    private final QueuedBackend queued;

    RoutingBackend(TritonBackend direct, QueuedBackend queued) {
        this.direct = direct;
        this.queued = queued;
    }

    @Override
    public Multi<GenerationEvent> generate(Generation generation) {
        return generation.dispatch() == Generation.Dispatch.QUEUED ? queued.generate(generation)
                : direct.generate(generation);
    }

    @Override
    public boolean ready() {
        return direct.ready();
    }
}
