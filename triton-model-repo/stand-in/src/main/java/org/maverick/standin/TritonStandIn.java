package org.maverick.standin;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.maverick.standin.repository.Contract;
import org.maverick.standin.repository.ModelRepositories;
import org.maverick.standin.repository.ServedModel;

/**
 * A Triton Inference Server stand-in for tests and development: a plain grpc-java server speaking
 * Triton's gRPC protocol (inference.GRPCInferenceService) for the models of the project's model
 * repositories, streaming deterministic text with Maverick-like timing. Never a production
 * backend.
 *
 * <pre>{@code
 * try (TritonStandIn standIn = TritonStandIn.builder().port(0).timing(Timing.fast()).build().start()) {
 *     int port = standIn.port();
 *     ...
 * }
 * }</pre>
 */
public final class TritonStandIn implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TritonStandIn.class);

    private final String host;
    private final int requestedPort;
    private final ModelRepositories repositories;
    private final StandInCounters counters = new StandInCounters();
    private final Faults faults = new Faults();
    private final ScheduledThreadPoolExecutor scheduler;
    private final Engine engine;
    private final int requestedOpenAiPort;
    private final int openAiThreads;
    private Server server;
    private OpenAiEndpoint openAi;

    private TritonStandIn(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        ModelRepositories loaded = b.repositories == null ? ModelRepositories.bundled()
                : ModelRepositories.load(b.repositories);
        this.repositories = b.stockLlmapiContract ? loaded.withoutParameter("prompt_format") : loaded;
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(b.schedulerThreads, r -> {
            Thread t = Executors.defaultThreadFactory().newThread(r);
            t.setName("triton-stand-in-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.engine = new Engine(scheduler, b.timing, counters, faults);
        this.requestedOpenAiPort = b.openAiPort;
        this.openAiThreads = b.openAiThreads;
    }

    public static Builder builder() {
        return new Builder();
    }

    private final Tracing tracing = new Tracing();

    /**
     * The server spans of the most recent calls (at most 1024), each a child of the trace context the
     * caller sent in the call's metadata, as Triton's OpenTelemetry trace mode does.
     */
    public java.util.List<io.opentelemetry.sdk.trace.data.SpanData> spans() {
        return tracing.finished();
    }

    /** Binds and starts serving; returns this. */
    public synchronized TritonStandIn start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        server = NettyServerBuilder.forAddress(new InetSocketAddress(host, requestedPort))
                .addService(io.grpc.ServerInterceptors.intercept(new InferenceService(repositories, engine), tracing))
                .addService(HealthService.definition(faults))
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build()
                .start();
        LOG.infof("TRITON STAND-IN (test/development tool, not Triton) listening on %s:%d, models %s, %s",
                host, port(), repositories.all().keySet(), engine.timing);
        if (requestedOpenAiPort >= 0) {
            ServedModel llmapi = repositories.all().values().stream()
                    .filter(m -> m.contract() == Contract.LLMAPI).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the OpenAI endpoint needs an llmapi model"));
            try {
                openAi = new OpenAiEndpoint(engine, llmapi, openAiThreads).start(host, requestedOpenAiPort);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while binding the OpenAI endpoint", e);
            } catch (RuntimeException e) {
                close();
                throw new IOException("cannot bind the OpenAI endpoint on " + host + ":" + requestedOpenAiPort, e);
            }
            LOG.infof("TRITON STAND-IN OpenAI-compatible endpoint on http://%s:%d/v1 (model %s)", host, openAi.port(),
                    llmapi.name());
        }
        return this;
    }

    /** The bound port (the real one when built with port 0). */
    public int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getPort();
    }

    /** The bound port of the OpenAI-compatible HTTP endpoint; fails when it was not enabled. */
    public int openAiPort() {
        if (openAi == null) {
            throw new IllegalStateException("the OpenAI endpoint is off (Builder.openAiPort)");
        }
        return openAi.port();
    }

    public String host() {
        return host;
    }

    public StandInCounters counters() {
        return counters;
    }

    public Faults faults() {
        return faults;
    }

    public Timing timing() {
        return engine.timing;
    }

    /** The models served, by name. */
    public java.util.Set<String> modelNames() {
        return repositories.all().keySet();
    }

    /** Graceful shutdown (2 s), then forced; idempotent. */
    @Override
    public synchronized void close() {
        if (openAi != null) {
            openAi.close();
            openAi = null;
        }
        if (server == null) {
            scheduler.shutdownNow();
            return;
        }
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            scheduler.shutdownNow();
        }
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private Timing timing = Timing.defaults();
        private List<Path> repositories;
        private int schedulerThreads = 2;
        private int openAiPort = -1;
        private int openAiThreads = 2;
        private boolean stockLlmapiContract;

        private Builder() {
        }

        /** Address to bind; default 127.0.0.1. */
        public Builder host(String value) {
            this.host = value;
            return this;
        }

        /** Port to bind; 0 (the default) picks a free one. */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        public Builder timing(Timing value) {
            this.timing = value;
            return this;
        }

        /** Model repository folders to serve instead of the bundled two. */
        public Builder modelRepositories(Path... dirs) {
            return modelRepositories(List.of(dirs));
        }

        public Builder modelRepositories(List<Path> dirs) {
            this.repositories = List.copyOf(dirs);
            return this;
        }

        /** Threads pacing all generations (default 2). */
        public Builder schedulerThreads(int value) {
            this.schedulerThreads = value;
            return this;
        }

        /**
         * Also serve the OpenAI-compatible endpoint ({@code POST /v1/chat/completions}) on this port
         * (0 = a free one); off unless called.
         */
        public Builder openAiPort(int value) {
            this.openAiPort = value;
            return this;
        }

        /** Netty event-loop threads of the OpenAI endpoint (default 2). */
        public Builder openAiThreads(int value) {
            this.openAiThreads = value;
            return this;
        }

        /**
         * Serve llmapi models as TensorRT-LLM's stock model.py declares them: without the {@code prompt_format}
         * parameter of the repository's own model.py, so a gateway treats them as unable to take pictures
         * with a rendered prompt (default false: the repository's contract as checked in).
         */
        public Builder stockLlmapiContract(boolean value) {
            this.stockLlmapiContract = value;
            return this;
        }

        public TritonStandIn build() {
            return new TritonStandIn(this);
        }
    }
}
