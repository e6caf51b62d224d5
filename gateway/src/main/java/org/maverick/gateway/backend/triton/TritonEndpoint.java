package org.maverick.gateway.backend.triton;

import inference.GRPCInferenceServiceGrpc;
import inference.GrpcService.ModelConfigRequest;
import inference.GrpcService.ModelMetadataRequest;
import inference.GrpcService.ModelReadyRequest;
import inference.GrpcService.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;

import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One Triton server of the {@link TritonPool}: its gRPC channel, its model's {@link ModelContract},
 * its readiness (kept current by a background probe: ServerReady + ModelReady, and ModelMetadata +
 * ModelConfig until a contract the pool agrees with is known), its requests in flight and its
 * {@link CircuitBreaker}. Start-up never waits for Triton: weights take minutes to load, so the
 * gateway starts, reports not ready, and turns ready as soon as a probe succeeds.
 *
 * <p>Not a bean: the pool makes one per configured address and owns its lifecycle.
 */
final class TritonEndpoint {

    private static final Logger LOG = Logger.getLogger(TritonEndpoint.class);

    private final GatewayConfig.Triton config;
    private final String host;
    private final int port;
    private final String address;
    /** Asked with each newly read contract; answers why the pool refuses it, or empty when it agrees. */
    private final Function<ModelContract, Optional<String>> agreement;
    private final CircuitBreaker breaker;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile long lastHeardNanos;
    /** The probe's channel, and the first of {@link #channels}. */
    private ManagedChannel channel;
    /** One channel (one HTTP/2 connection) per Vert.x event loop; the loop's own is used by streams on it. */
    private java.util.List<ManagedChannel> channels = java.util.List.of();
    private java.util.List<io.netty.channel.EventLoop> loops = java.util.List.of();
    private ScheduledExecutorService prober;
    private volatile ModelContract contract;
    private volatile boolean ready;
    /** Probes in a row that timed out while ready; only the probing thread (one probe at a time) uses it. */
    private int timeoutsInARow;
    private volatile String notReadyReason = "not probed yet";

    /** The Vert.x event loops, which read the gRPC connections, and sockets of their transport (epoll or NIO). */
    private final io.netty.channel.EventLoopGroup eventLoops;
    private final io.netty.channel.ChannelFactory<? extends io.netty.channel.Channel> sockets;

    TritonEndpoint(String host, int port, GatewayConfig.Triton config,
                   Function<ModelContract, Optional<String>> agreement, io.netty.channel.EventLoopGroup eventLoops,
                   io.netty.channel.ChannelFactory<? extends io.netty.channel.Channel> sockets) {
        this.eventLoops = eventLoops;
        this.sockets = sockets;
        this.host = host;
        this.port = port;
        this.address = host + ":" + port;
        this.config = config;
        this.agreement = agreement;
        this.breaker = new CircuitBreaker(config.breaker().failureThreshold(), config.breaker().coolDown());
    }

    void start(ScheduledExecutorService prober) {
        this.prober = prober;
        // One connection per Vert.x event loop, each read by its own loop: a stream's Triton responses
        // arrive on the loop that serves its client, so a token goes from Triton's socket to the
        // client's without changing threads, and the loops share the work evenly.
        java.util.List<ManagedChannel> cs = new java.util.ArrayList<>();
        java.util.List<io.netty.channel.EventLoop> ls = new java.util.ArrayList<>();
        for (io.netty.util.concurrent.EventExecutor e : eventLoops) {
            io.netty.channel.EventLoop loop = (io.netty.channel.EventLoop) e;
            ls.add(loop);
            cs.add(builder().eventLoopGroup(loop).channelFactory(sockets).build());
        }
        channels = java.util.List.copyOf(cs);
        loops = java.util.List.copyOf(ls);
        channel = channels.get(0);
        prober.execute(this::probe);
        prober.scheduleWithFixedDelay(this::probe, config.readinessInterval().toMillis(),
                config.readinessInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private NettyChannelBuilder builder() {
        return NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                .directExecutor() // responses are decoded and relayed without blocking: no thread hop
                .maxInboundMessageSize(config.maxInboundMessageBytes());
    }

    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
    }

    /**
     * Runs one probe now on the caller's thread (blocking, with the probe deadline per call). A probe
     * already running for this endpoint (the scheduled one and one asked for by a failed call may meet)
     * makes this one a no-op.
     */
    /** Whether no probe has finished yet (start-up). */
    boolean neverProbed() {
        return "not probed yet".equals(notReadyReason) && !ready;
    }

    void probe() {
        if (!probing.compareAndSet(false, true)) {
            return;
        }
        try {
            boolean nowReady = probeOnce();
            if (breaker.onProbe(System.nanoTime(), nowReady)) {
                LOG.infof("Triton at %s is ready again after its circuit breaker opened: back in the pool", address);
            }
        } finally {
            probing.set(false);
        }
    }

    private boolean probeOnce() {
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(config.probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()) {
                return markNotReady("Triton server is not ready");
            }
            if (!stub.modelReady(ModelReadyRequest.newBuilder().setName(config.model()).build()).getReady()) {
                return markNotReady("Triton model '" + config.model() + "' is not ready");
            }
            if (contract == null) {
                var metadata = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName(config.model()).build());
                var modelConfig = stub.modelConfig(ModelConfigRequest.newBuilder().setName(config.model()).build());
                ModelContract found = ModelContract.from(metadata, modelConfig.getConfig());
                if (!found.decoupled()) {
                    return markNotReady("Triton model '" + config.model() + "' is not decoupled, so it cannot "
                            + "stream; set triton_config.decoupled: True in its model.yaml (or "
                            + "model_transaction_policy { decoupled: true } in config.pbtxt)");
                }
                // A contract the pool refuses is not kept, so the endpoint is read again on every probe
                // and joins once it serves the pool's model.
                Optional<String> refused = agreement.apply(found);
                if (refused.isPresent()) {
                    return markNotReady(refused.get());
                }
                contract = found;
                LOG.infof("Triton at %s: %s", address, found.describe());
            }
            if (!ready) {
                LOG.infof("Triton at %s is ready", address);
            }
            timeoutsInARow = 0;
            ready = true;
            notReadyReason = "";
            return true;
        } catch (IllegalStateException e) {
            return markNotReady(e.getMessage());
        } catch (RuntimeException e) {
            boolean timedOut = Status.fromThrowable(e).getCode() == Status.Code.DEADLINE_EXCEEDED;
            if (ready() && timedOut && servedRecently()) {
                // Slow to answer the probe, but generation responses keep arriving: a Triton busy with
                // thousands of streams, not a lost one. Turning it away would only fail the traffic it serves.
                LOG.debugf("Triton at %s: readiness probe timed out while its streams are flowing; still ready", address);
                return true;
            }
            if (ready() && timedOut && ++timeoutsInARow < config.probeTimeoutsBeforeUnready()) {
                // An idle endpoint's probe that answers late once (a busy machine, a GC pause on either side)
                // must not turn all traffic away; a lost endpoint keeps timing out and leaves the pool soon.
                LOG.debugf("Triton at %s: readiness probe timed out (%d in a row); still ready", address,
                        timeoutsInARow);
                return true;
            }
            timeoutsInARow = 0;
            // gRPC backs off reconnecting for up to two minutes; the probe is the pool's reconnect
            // attempt, so a restarted Triton is found within a probe interval instead.
            channels.forEach(ManagedChannel::resetConnectBackoff);
            return markNotReady("Triton at " + address + " is unreachable: " + e.getMessage());
        }
    }

    private boolean markNotReady(String reason) {
        if (ready || !reason.equals(notReadyReason)) {
            LOG.warnf("Triton at %s not ready: %s", address, reason);
        }
        ready = false;
        notReadyReason = reason;
        return false;
    }

    /** Server and model ready and the contract known: what the readiness probe says, breaker aside. */
    boolean ready() {
        return ready && contract != null;
    }

    /** Ready and its breaker closed: the pool may send it a request now. */
    boolean available() {
        return ready() && breaker.allowsTraffic(System.nanoTime());
    }

    /** Why the endpoint takes no requests, or "" when it takes them. */
    String reason() {
        if (!ready()) {
            return notReadyReason;
        }
        CircuitBreaker.State state = breaker.state(System.nanoTime());
        if (state != CircuitBreaker.State.CLOSED) {
            return "circuit breaker " + state.wire() + " after repeated failures (last: " + breaker.lastFailure() + ")";
        }
        return "";
    }

    CircuitBreaker.State breakerState() {
        return breaker.state(System.nanoTime());
    }

    Optional<ModelContract> contract() {
        return Optional.ofNullable(contract);
    }

    String address() {
        return address;
    }

    /** The channel read by the calling thread's event loop, when it is one of Vert.x's; else the first. */
    ManagedChannel channel() {
        for (int i = 0; i < loops.size(); i++) {
            if (loops.get(i).inEventLoop()) {
                return channels.get(i);
            }
        }
        return channel;
    }

    int inFlight() {
        return inFlight.get();
    }

    /** A request was sent here; pair with exactly one {@link #release}. */
    void acquire() {
        inFlight.incrementAndGet();
    }

    void release() {
        inFlight.decrementAndGet();
    }

    /** A generation response arrived from this endpoint (one volatile write: the probe reads it). */
    void heard() {
        lastHeardNanos = System.nanoTime();
    }

    /** Whether a generation response arrived within the last probe interval plus probe deadline. */
    private boolean servedRecently() {
        long window = config.readinessInterval().toNanos() + config.probeTimeout().toNanos();
        return lastHeardNanos != 0 && System.nanoTime() - lastHeardNanos < window;
    }

    void callSucceeded() {
        breaker.onSuccess();
    }

    /** A generation call failed in a way that speaks about the endpoint (not the client, not a deadline). */
    void callFailed(String reason) {
        if (breaker.onFailure(System.nanoTime(), reason)) {
            LOG.warnf("Triton at %s taken out of the pool for %s after repeated failures (circuit breaker open); "
                    + "last: %s", address, config.breaker().coolDown(), reason);
        }
    }

    /** Marks the endpoint not ready after a call found it unreachable; the next probe decides again. */
    void reportUnavailable(String reason) {
        markNotReady(reason);
        if (prober != null) {
            try {
                prober.execute(this::probe);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                // the gateway is stopping; nothing to probe for
            }
        }
    }
}
