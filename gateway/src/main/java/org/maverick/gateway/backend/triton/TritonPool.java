package org.maverick.gateway.backend.triton;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.telemetry.GatewayMetrics;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The Triton replicas the gateway serves from ({@code gateway.triton.endpoint}, comma-separated), each
 * a {@link TritonEndpoint} with its own channel, readiness probe and circuit breaker. Every request
 * goes to the available endpoint (ready, breaker closed) with the fewest requests in flight, round
 * robin among equals.
 *
 * <p>All endpoints must serve the same model: the first contract read becomes the pool's, and an
 * endpoint whose model has another contract is logged and kept out until it serves the pool's.
 */
@ApplicationScoped
public class TritonPool {

    private static final Logger LOG = Logger.getLogger(TritonPool.class);
    static final String ENDPOINT_SETTING = "gateway.triton.endpoint";
    static final String IN_FLIGHT_METRIC = "maverick.gateway.triton.in_flight";

    private final GatewayConfig.Triton config;
    private final List<TritonEndpoint> endpoints;
    private final PoolContract contract = new PoolContract();
    private final AtomicInteger turn = new AtomicInteger();
    private ScheduledExecutorService prober;

    TritonPool(GatewayConfig config, GatewayMetrics metrics, io.vertx.core.Vertx vertx) {
        this.config = config.triton();
        List<TritonEndpoint> list = new ArrayList<>();
        for (HostPort a : parse(this.config.endpoint())) {
            // The calls run on Vert.x's event loops, with sockets of the loops' own transport (epoll when
            // Vert.x uses the native transport, else NIO).
            TritonEndpoint e = new TritonEndpoint(a.host(), a.port(), this.config, contract::agree,
                    vertx.nettyEventLoopGroup(),
                    ((io.vertx.core.impl.VertxInternal) vertx).transport().channelFactory(false));
            list.add(e);
            metrics.gauge(GatewayMetrics.TRITON_READY,
                    "1 while the Triton endpoint's server and model are ready, else 0.", () -> e.ready() ? 1 : 0,
                    "server.address", e.address());
            metrics.gauge(IN_FLIGHT_METRIC, "Generation calls in flight to the Triton endpoint.", e::inFlight,
                    "server.address", e.address());
        }
        this.endpoints = List.copyOf(list);
    }

    record HostPort(String host, int port) {
    }

    /**
     * Reads {@code gateway.triton.endpoint}: one or more {@code host:port}, comma-separated (IPv6 hosts
     * in brackets). Duplicates are dropped.
     *
     * @throws IllegalArgumentException naming the setting and the bad entry
     */
    static List<HostPort> parse(String setting) {
        Set<HostPort> out = new LinkedHashSet<>();
        for (String raw : setting.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException();
                }
                String host = entry.substring(0, colon).replace("[", "").replace("]", "");
                int port = Integer.parseInt(entry.substring(colon + 1));
                if (host.isBlank() || port <= 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                out.add(new HostPort(host, port));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(ENDPOINT_SETTING + " must be host:port (Triton's gRPC port, "
                        + "8001 by default), or several separated by commas; got '" + entry + "' in '" + setting + "'");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(ENDPOINT_SETTING + " must name at least one Triton endpoint "
                    + "(host:port, comma-separated for a pool); got '" + setting + "'");
        }
        return List.copyOf(out);
    }

    void start(@Observes @Priority(100) StartupEvent event) {
        // One probe thread per endpoint (bounded): an unreachable endpoint's probe waits out its
        // deadline without delaying the others'.
        prober = Executors.newScheduledThreadPool(Math.min(endpoints.size(), 8), r -> {
            Thread t = new Thread(r, "triton-probe");
            t.setDaemon(true);
            return t;
        });
        LOG.infof("Triton pool of %d endpoint(s) %s, model '%s'; probing readiness every %s; an endpoint is taken "
                        + "out after %d consecutive failures for %s", endpoints.size(), addresses(), config.model(),
                config.readinessInterval(), config.breaker().failureThreshold(), config.breaker().coolDown());
        endpoints.forEach(e -> e.start(prober));
        // Start ready when Triton is: give the first probes a moment (bounded by one probe deadline),
        // so that requests arriving right after start-up do not meet a pool that has not looked yet.
        long deadline = System.nanoTime() + config.probeTimeout().toNanos();
        while (System.nanoTime() < deadline && endpoints.stream().anyMatch(TritonEndpoint::neverProbed)) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (prober != null) {
            prober.shutdownNow();
        }
        endpoints.forEach(TritonEndpoint::stop);
    }

    /**
     * Chooses the endpoint for one call and counts it in flight there; the caller must
     * {@link TritonEndpoint#release} it exactly once. Empty when no endpoint other than {@code excluded}
     * is available.
     */
    Optional<TritonEndpoint> acquire(Set<TritonEndpoint> excluded) {
        List<TritonEndpoint> candidates = new ArrayList<>(endpoints.size());
        for (TritonEndpoint e : endpoints) {
            if (!excluded.contains(e) && e.available()) {
                candidates.add(e);
            }
        }
        // Choosing and counting are not one atomic step: two requests racing here may pick the same
        // endpoint. That costs a little balance, never correctness, and the next picks see both.
        Optional<TritonEndpoint> chosen = EndpointSelection.leastInFlight(candidates, TritonEndpoint::inFlight,
                turn.getAndIncrement());
        chosen.ifPresent(TritonEndpoint::acquire);
        return chosen;
    }

    /** Whether at least one endpoint takes requests now. */
    public boolean ready() {
        for (TritonEndpoint e : endpoints) {
            if (e.available()) {
                return true;
            }
        }
        return false;
    }

    /** Why no endpoint takes requests, endpoint by endpoint. */
    public String notReadyReason() {
        return endpoints.stream().map(e -> e.address() + ": " + e.reason()).collect(Collectors.joining("; "));
    }

    /** The pool's model contract, once any endpoint's has been read. */
    public Optional<ModelContract> contract() {
        return contract.get();
    }

    List<TritonEndpoint> endpoints() {
        return endpoints;
    }

    String addresses() {
        return endpoints.stream().map(TritonEndpoint::address).collect(Collectors.joining(","));
    }
}
