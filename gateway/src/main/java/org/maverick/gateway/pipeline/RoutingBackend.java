package org.maverick.gateway.pipeline;

import org.maverick.gateway.backend.Backend;

import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.maverick.gateway.admission.Admission;
import org.maverick.gateway.backend.triton.TritonBackend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.queue.QueuedBackend;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.gateway.telemetry.GenerationTrace;
import org.maverick.gateway.telemetry.Telemetry;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Backend} every edge uses (SSE, WebSocket, non-streamed): one pipeline after
 * validation. It admits the generation (tenant limits, capacity; may wait, bounded), sends it where
 * its {@link Generation#dispatch()} says (straight to Triton or through the Kafka queue), traces and
 * measures it, and guards it: a stream with no event for {@code gateway.admission.idle-timeout}, or
 * older than {@code gateway.admission.request-timeout}, or still running when shutdown's grace
 * period ends, is ended with a clear error.
 */
@ApplicationScoped
public class RoutingBackend implements Backend {

    private static final Logger LOG = Logger.getLogger(RoutingBackend.class);
    private static final long TICK_MILLIS = 250;

    private final TritonBackend direct;
    private final QueuedBackend queued;
    private final Telemetry telemetry;
    private final Admission admission;
    private final GatewayConfig.Admission limits;
    private final AtomicInteger directInFlight = new AtomicInteger();
    private final AtomicInteger queuedInFlight = new AtomicInteger();
    private final Set<Guard> active = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "generation-watchdog");
        t.setDaemon(true);
        return t;
    });
    private volatile long tick;
    private volatile boolean draining;

    RoutingBackend(TritonBackend direct, QueuedBackend queued, Telemetry telemetry, Admission admission,
                   GatewayConfig config) {
        this.direct = direct;
        this.queued = queued;
        this.telemetry = telemetry;
        this.admission = admission;
        this.limits = config.admission();
        telemetry.metrics().gauge(GatewayMetrics.IN_FLIGHT, "Generations this instance is streaming to clients now.",
                directInFlight::get, "maverick.mode", "direct");
        telemetry.metrics().gauge(GatewayMetrics.IN_FLIGHT, "Generations this instance is streaming to clients now.",
                queuedInFlight::get, "maverick.mode", "queued");
    }

    void start(@Observes StartupEvent event) {
        watchdog.scheduleAtFixedRate(this::watch, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public Multi<GenerationEvent> generate(Generation generation) {
        GenerationTrace trace = telemetry.start(generation);
        boolean isQueued = generation.dispatch() == Generation.Dispatch.QUEUED;
        AtomicInteger inFlight = isQueued ? queuedInFlight : directInFlight;
        Multi<GenerationEvent> events;
        if (draining) {
            events = Multi.createFrom().failure(new GatewayException.BackendUnavailable(
                    "This gateway instance is shutting down; retry (another instance will answer).",
                    Duration.ofSeconds(1), null));
        } else {
            events = admission.admit(generation).onItem().transformToMulti(permit -> {
                Multi<GenerationEvent> engine;
                // The downstream hop (Triton call or Kafka publish) captures the current context when the
                // generation is created: make the generation's span current for that.
                try (Scope ignored = trace.context().makeCurrent()) {
                    engine = isQueued ? queued.generate(generation) : direct.generate(generation);
                }
                return Multi.createBy().concatenating()
                        .streams(Multi.createFrom().item(GenerationEvent.Admitted.INSTANCE), engine)
                        .onTermination().invoke(() -> permit.release(trace.outputTokens()));
            });
        }
        Guard guard = new Guard(tick);
        active.add(guard);
        return guard.wrap(events, trace, inFlight, () -> active.remove(guard), () -> tick);
    }

    @Override
    public boolean ready() {
        return direct.ready() && !draining;
    }

    private void watch() {
        long now = ++tick;
        long idle = Math.max(1, limits.idleTimeout().toMillis() / TICK_MILLIS);
        long total = Math.max(1, limits.requestTimeout().toMillis() / TICK_MILLIS);
        for (Guard g : active) {
            if (now - g.startTick() > total) {
                g.abort(new GatewayException.Timeout("The generation did not finish within "
                        + limits.requestTimeout().toSeconds() + " s (gateway.admission.request-timeout)."));
            } else if (now - g.lastTick() > idle) {
                g.abort(new GatewayException.Timeout("The model sent nothing for " + limits.idleTimeout().toSeconds()
                        + " s (gateway.admission.idle-timeout); the generation was ended."));
            }
        }
    }

    /**
     * Graceful shutdown: new generations are refused (another instance answers them), running ones get
     * the grace period to finish, then end with a final error event. Queued requests not yet started
     * stay in Kafka, where the other instances' workers take them.
     *
     * <p>This must run while the HTTP server still serves: by the time {@link ShutdownEvent} is fired,
     * Quarkus is already closing the server (its close task runs first) and with it every SSE connection
     * and WebSocket; a stream in flight was cut at once. So it runs in Quarkus's
     * pre-shutdown phase, where ArC fires {@link ShutdownDelayInitiatedEvent}
     * ({@code quarkus.shutdown.delay-enabled=true} in application.properties; no delay is configured, so
     * nothing sleeps). {@code quarkus.shutdown.timeout} stays unset: the wait it adds counts HTTP
     * requests, and a WebSocket's upgrade request never ends in its eyes.
     */
    void drain(@Observes @Priority(1) ShutdownDelayInitiatedEvent event) {
        drainAndEnd();
    }

    /** Normally nothing is left by now; this covers a stop without the pre-shutdown phase. */
    void shutdown(@Observes @Priority(1) ShutdownEvent event) {
        drainAndEnd();
        watchdog.shutdownNow();
    }

    private synchronized void drainAndEnd() {
        draining = true;
        long deadline = System.nanoTime() + limits.shutdownGrace().toNanos();
        if (!active.isEmpty()) {
            LOG.infof("shutting down: waiting up to %d s for %d streams to finish", limits.shutdownGrace().toSeconds(),
                    active.size());
        }
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Guard g : active) {
            g.abort(new GatewayException.BackendUnavailable("This gateway instance is shutting down; the generation "
                    + "was ended. Retry: another instance will answer.", Duration.ofSeconds(1), null));
        }
    }
}
