package org.maverick.gateway.backend;

import io.smallrye.mutiny.Multi;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;

/**
 * Where generations run. The edges talk only to this interface; behind it the pipeline's routing
 * backend hands each generation to one of two implementations: straight to Triton, or queued
 * through Kafka for any instance's worker.
 */
public interface Backend {

    /**
     * Starts the generation when subscribed. The stream emits {@link GenerationEvent.Token}s as the
     * engine produces them and completes after exactly one {@link GenerationEvent.Finished}; it fails
     * with a {@link org.maverick.gateway.generation.GatewayException} when the engine cannot serve
     * the request or breaks off. Items arrive on a transport thread (never blocking it is the
     * subscriber's duty). The subscriber owns cancellation: cancelling the subscription cancels the
     * engine's work at once and frees its batch slot. Demand is honoured: an item is pulled from the
     * engine only when requested, so a slow client cannot make the gateway buffer without bound.
     */
    Multi<GenerationEvent> generate(Generation generation);

    /** Whether a generation submitted now can be expected to run (the engine is reachable and ready). */
    boolean ready();
}
