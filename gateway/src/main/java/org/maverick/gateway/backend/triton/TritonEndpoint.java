package org.maverick.gateway.backend.triton;

import inference.GRPCInferenceServiceGrpc;
import inference.GrpcService.ModelConfigRequest;
import inference.GrpcService.ModelMetadataRequest;
import inference.GrpcService.ModelReadyRequest;
import inference.GrpcService.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.annotation.Priority;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One Triton server: its gRPC channel, its model's {@link ModelContract}, and its readiness, kept
 * current by a background probe (ServerReady + ModelReady, and ModelMetadata + ModelConfig until the
 * contract is known). Start-up never waits for Triton: weights take minutes to load, so the gateway
 * starts, reports not ready, and turns ready as soon as the probe succeeds.
 */
@ApplicationScoped
public class TritonEndpoint {

    private static final Logger LOG = Logger.getLogger(TritonEndpoint.class);
    static final String ENDPOINT_SETTING = "gateway.triton.endpoint";

    private final GatewayConfig.Triton config;
    private final String host;
    private final int port;
    private ManagedChannel channel;
    private ScheduledExecutorService prober;
    private volatile ModelContract contract;
    private volatile boolean ready;
    private volatile String notReadyReason = "not probed yet";

    TritonEndpoint(GatewayConfig config, org.maverick.gateway.telemetry.GatewayMetrics metrics) {
        this.config = config.triton();
        String endpoint = this.config.endpoint().trim();
        int colon = endpoint.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            this.host = endpoint.substring(0, colon).replace("[", "").replace("]", "");
            this.port = Integer.parseInt(endpoint.substring(colon + 1));
            if (port <= 0 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ENDPOINT_SETTING + " must be host:port (Triton's gRPC port, 8001 "
                    + "by default), got '" + endpoint + "'");
        }
        metrics.gauge(org.maverick.gateway.telemetry.GatewayMetrics.TRITON_READY,
                "1 while the Triton endpoint's server and model are ready, else 0.", () -> ready() ? 1 : 0,
                "server.address", host + ":" + port);
    }

    void start(@Observes @Priority(100) StartupEvent event) {
        channel = NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                .directExecutor() // responses are decoded and relayed without blocking: no thread hop
                .maxInboundMessageSize(config.maxInboundMessageBytes())
                .build();
        prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "triton-probe");
            t.setDaemon(true);
            return t;
        });
        LOG.infof("Triton endpoint %s:%d, model '%s'; probing readiness every %s", host, port, config.model(),
                config.readinessInterval());
        prober.execute(this::probe);
        prober.scheduleWithFixedDelay(this::probe, config.readinessInterval().toMillis(),
                config.readinessInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (prober != null) {
            prober.shutdownNow();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    /** Runs one probe now on the caller's thread (blocking, with the probe deadline). */
    void probe() {
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(config.probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()) {
                markNotReady("Triton server is not ready");
                return;
            }
            if (!stub.modelReady(ModelReadyRequest.newBuilder().setName(config.model()).build()).getReady()) {
                markNotReady("Triton model '" + config.model() + "' is not ready");
                return;
            }
            if (contract == null) {
                var metadata = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName(config.model()).build());
                var modelConfig = stub.modelConfig(ModelConfigRequest.newBuilder().setName(config.model()).build());
                ModelContract found = ModelContract.from(metadata, modelConfig.getConfig());
                if (!found.decoupled()) {
                    markNotReady("Triton model '" + config.model() + "' is not decoupled, so it cannot stream; "
                            + "set triton_config.decoupled: True in its model.yaml (or model_transaction_policy "
                            + "{ decoupled: true } in config.pbtxt)");
                    return;
                }
                contract = found;
                LOG.infof("Triton model contract: %s", found.describe());
            }
            if (!ready) {
                LOG.infof("Triton at %s:%d is ready", host, port);
            }
            ready = true;
            notReadyReason = "";
        } catch (IllegalStateException e) {
            markNotReady(e.getMessage());
        } catch (RuntimeException e) {
            markNotReady("Triton at " + host + ":" + port + " is unreachable: " + e.getMessage());
        }
    }

    private void markNotReady(String reason) {
        if (ready || !reason.equals(notReadyReason)) {
            LOG.warnf("Triton not ready: %s", reason);
        }
        ready = false;
        notReadyReason = reason;
    }

    public boolean ready() {
        return ready && contract != null;
    }

    public String notReadyReason() {
        return notReadyReason;
    }

    public Optional<ModelContract> contract() {
        return Optional.ofNullable(contract);
    }

    public String address() {
        return host + ":" + port;
    }

    ManagedChannel channel() {
        return channel;
    }

    /** Marks the endpoint not ready after a call found it unreachable; the next probe decides again. */
    void reportUnavailable(String reason) {
        markNotReady(reason);
        prober.execute(this::probe);
    }
}
