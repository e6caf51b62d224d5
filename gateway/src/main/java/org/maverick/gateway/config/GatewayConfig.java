package org.maverick.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The gateway's settings, all under {@code gateway.*}. Profiles override them in
 * {@code application.properties} ({@code %local}, {@code %test}); environment variables follow
 * MicroProfile Config's mapping ({@code GATEWAY_TRITON_ENDPOINT} for {@code gateway.triton.endpoint}).
 */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    /** {@code gateway.limits.inline-parse-bytes} when set; else at most this much is parsed on an event loop with the estimating counter. */
    int INLINE_PARSE_BYTES_ESTIMATING = 32768;
    /** The same with a tokenizer ({@code gateway.tokenizer.path}): about 1,000 tokens, some 160 µs of counting. */
    int INLINE_PARSE_BYTES_TOKENIZER = 4096;

    /**
     * The largest request parsed, templated and counted on the event loop: {@code gateway.limits.inline-parse-bytes},
     * or by default a size whose counting stays well under a millisecond with the configured counter.
     */
    static int inlineParseBytes(GatewayConfig config) {
        return config.limits().inlineParseBytes().orElse(config.tokenizer().path().isPresent()
                ? INLINE_PARSE_BYTES_TOKENIZER : INLINE_PARSE_BYTES_ESTIMATING);
    }

    Model model();

    Triton triton();

    Prompt prompt();

    Tools tools();

    Tokenizer tokenizer();

    Limits limits();

    Sse sse();

    WebSocket websocket();

    Queue queue();

    Responses responses();

    Auth auth();

    Admission admission();

    Images images();

    interface Auth {
        /**
         * Require an API key (Bearer) on every API request. Only the local run and tests turn it off;
         * a production gateway without keys configured refuses every request with 401.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * Tenants by name: {@code gateway.auth.tenants.<name>.key-sha256} (hex SHA-256 of each key; keys
         * themselves are never stored), {@code .max-concurrent}, {@code .tokens-per-minute}. Keep them in a
         * mounted file named by {@code quarkus.config.locations} to keep keys out of the image.
         */
        Map<String, Tenant> tenants();
    }

    interface Tenant {
        /** Hex SHA-256 digests of this tenant's API keys (several, for rotation). */
        List<String> keySha256();

        /** Most generations this tenant may run at once on one instance. */
        @WithDefault("16")
        int maxConcurrent();

        /** Tokens (prompt plus max_tokens, unused output refunded) this tenant may use per minute on one instance. */
        @WithDefault("1000000")
        long tokensPerMinute();
    }

    interface Admission {
        /** Most direct-mode generations one instance runs at once (size it from Triton's batch slots). */
        @WithDefault("512")
        int maxInFlight();

        /** Most direct-mode requests waiting for a slot; past it, 429 at once. */
        @WithDefault("256")
        int maxWaiting();

        /** Longest a direct-mode request waits for a slot before a 429. */
        @WithDefault("30s")
        Duration maxWait();

        /** Most queued requests this instance has admitted and not yet seen finish; past it, 429 at once. */
        @WithDefault("4096")
        int maxQueued();

        /** Concurrent generations of the anonymous tenant (auth off) and of unknown Kafka callers. */
        @WithDefault("64")
        int anonymousMaxConcurrent();

        /** Token budget per minute of the anonymous tenant. */
        @WithDefault("10000000")
        long anonymousTokensPerMinute();

        /** A stream with no event for this long is ended with a timeout error (the engine stalled). */
        @WithDefault("120s")
        Duration idleTimeout();

        /** Longest one generation may take end to end, as the client sees it. */
        @WithDefault("15m")
        Duration requestTimeout();

        /** On shutdown, how long in-flight streams may finish before they are ended with an error event. */
        @WithDefault("20s")
        Duration shutdownGrace();
    }

    /** How generations run when a request does not say: straight to Triton, or queued through Kafka. */
    @WithDefault("direct")
    Mode mode();

    enum Mode {
        /** The instance that took the request streams it from Triton itself. */
        DIRECT,
        /** The request waits in Kafka and any instance's worker runs it; events come back through Kafka. */
        QUEUED
    }

    interface Model {
        /** The public model id clients send and {@code /v1/models} lists. */
        @WithDefault("llama-4-maverick")
        String id();

        /** Context window the deployment serves (prompt plus completion tokens); Maverick's 1M is rarely deployed. */
        @WithDefault("131072")
        int contextLength();

        /** Ceiling on {@code max_tokens}; larger requests are refused with a 400 naming the field. */
        @WithDefault("16384")
        int maxOutputTokens();

        /** Output limit sent when a request names none (the llmapi model's own default is only 32). */
        @WithDefault("4096")
        int defaultMaxTokens();

        /** Sampling temperature when the request names none (the checkpoint's generation default). */
        @WithDefault("0.6")
        double defaultTemperature();

        /** Nucleus sampling when the request names none (the checkpoint's generation default). */
        @WithDefault("0.9")
        double defaultTopP();
    }

    interface Triton {
        /**
         * Triton's gRPC endpoints, a comma-separated list of {@code host:port} (one per replica; all
         * must serve the same model). Required: there is no default, so a gateway without a
         * configured Triton refuses to start instead of answering from anything else.
         */
        String endpoint();

        /** Name of the model in Triton's repository: {@code tensorrt_llm} (llmapi) or {@code ensemble} (engine path). */
        @WithDefault("tensorrt_llm")
        String model();

        /** Upper bound on one generation's gRPC call (deadline); the call is cancelled past it. */
        @WithDefault("10m")
        Duration requestTimeout();

        /** How often Triton's server and model readiness are checked in the background. */
        @WithDefault("5s")
        Duration readinessInterval();

        /** Deadline of one readiness or metadata call. */
        @WithDefault("3s")
        Duration probeTimeout();

        /**
         * Readiness probes in a row that must time out before a ready endpoint is taken out of the pool. A
         * probe that times out is ambiguous (a Triton busy with its streams, or a paused JVM on either side,
         * answers late; a lost one never answers); a refused connection or a not-ready answer counts at once.
         */
        @WithDefault("3")
        int probeTimeoutsBeforeUnready();

        /** Largest gRPC message accepted from Triton. */
        @WithDefault("16777216")
        int maxInboundMessageBytes();

        /** When an endpoint of the pool is taken out after failing, and when it may come back. */
        Breaker breaker();

        interface Breaker {
            /** Consecutive failed generation calls that take an endpoint out of the pool (circuit open). */
            @WithDefault("5")
            int failureThreshold();

            /** How long an endpoint stays out before its readiness probe may bring it back (half-open). */
            @WithDefault("10s")
            Duration coolDown();
        }
    }

    interface Prompt {
        /**
         * Whether the chat template writes {@code <|begin_of_text|>} itself. The llmapi model tokenizes
         * the prompt with special tokens added and so adds BOS on its own: writing it here would double it.
         */
        @WithDefault("false")
        boolean writeBos();

        /** What to do with special-token strings typed into message content: {@code reject} (400) or {@code strip}. */
        @WithDefault("reject")
        SpecialTokenPolicy specialTokens();

        /** Most messages one chat request may carry. */
        @WithDefault("2048")
        int maxMessages();

        /** Most stop strings one request may carry (OpenAI allows 4). */
        @WithDefault("4")
        int maxStopStrings();
    }

    interface Tools {
        /**
         * The tool-call style the prompt asks Llama 4 for: {@code pythonic} ({@code [f(a=1), g(b="x")]}, Meta's
         * zero-shot format) or {@code json} ({@code {"name": …, "parameters": …}}, the checkpoint's chat template).
         * Calls in either style are parsed whichever was asked for.
         */
        @WithDefault("pythonic")
        ToolStyle style();

        /** Largest size, in characters of rendered JSON, of all tool definitions of one request together. */
        @WithDefault("65536")
        int maxDefinitionChars();

        /**
         * Longest text one tool call may take in the output; a call still open past it is given up and returned as
         * text. Bounds what the gateway holds back per stream.
         */
        @WithDefault("65536")
        int maxCallChars();
    }

    enum ToolStyle {
        PYTHONIC, JSON
    }

    enum SpecialTokenPolicy {
        REJECT, STRIP
    }

    interface Tokenizer {
        /**
         * Maverick's tiktoken-format {@code tokenizer.model} from the checkpoint. Without it usage is
         * estimated (about four characters a token) and the gateway says so at start.
         */
        Optional<Path> path();
    }

    interface Limits {
        /** Largest request body in bytes; larger bodies get a 413. */
        @WithDefault("4194304")
        int maxBodyBytes();

        /**
         * Bodies (and WebSocket messages) larger than this are parsed, templated and counted on a worker thread
         * instead of the event loop, and their Triton request is built there too. Without it: 32768 with the
         * estimating counter, 4096 with {@code gateway.tokenizer.path} (an exact count costs about 40 times as
         * much per byte: a 32 KiB body would hold an event loop for more than a millisecond); see
         * {@link GatewayConfig#inlineParseBytes(GatewayConfig)}.
         */
        OptionalInt inlineParseBytes();

        /**
         * After a 413, how many more bytes of the refused body are read and dropped before the connection
         * is closed: a client that writes its whole body before reading (many SDKs) then gets the 413
         * instead of a reset. Bounds the bandwidth one refused request can take.
         */
        @WithDefault("67108864")
        long discardBytes();

        /** After a 413, how long the rest of the refused body is read and dropped at most before the connection is closed. */
        @WithDefault("10s")
        Duration discardTime();
    }

    interface Sse {
        /**
         * Interval of keep-alive comments. Until the first token or this interval, the response is
         * held back, so an engine error before the first token is still a plain HTTP error.
         */
        @WithDefault("10s")
        Duration keepAlive();

        /**
         * How long a stream may stay paused because its client is not reading (its write queue full)
         * before the connection is closed and the generation cancelled.
         */
        @WithDefault("30s")
        Duration stallTimeout();

        /**
         * Bytes queued for one SSE connection past which its write queue counts as full and no more
         * tokens are asked of the engine (the Vert.x write-queue high-water mark; set explicitly, not left
         * to the default).
         */
        @WithDefault("65536")
        int writeQueueBytes();
    }

    interface WebSocket {
        /** Generations one socket may run at once; a {@code create} past it gets a {@code too_many_generations} error. */
        @WithDefault("16")
        int maxGenerations();

        /** Bytes queued for a socket but not yet written to the network past which it is closed (1008) and its generations cancelled. */
        @WithDefault("1048576")
        int maxPendingBytes();

        /** How long a socket's generations may stay paused because the client is not reading before it is closed (1008). */
        @WithDefault("30s")
        Duration stallTimeout();
    }

    interface Queue {
        /**
         * Whether this instance uses Kafka (requests, replies, its worker). Defaults to on when
         * {@code gateway.mode} is {@code queued}; needs {@code kafka.bootstrap.servers}.
         */
        Optional<Boolean> enabled();

        /** This instance's name, unique among gateway instances: names its reply topic. Default: the host name. */
        Optional<String> instanceId();

        /** Create missing topics from kafka/topics.yaml at start (needs the Kafka ACL to create topics). */
        @WithDefault("true")
        boolean createTopics();

        /** Replication factor for topics the gateway creates, instead of topics.yaml's (1 for a one-broker cluster). */
        Optional<Short> replicationFactor();

        /** Whether this instance runs a worker that takes queued requests and runs them on Triton. */
        @WithDefault("true")
        boolean worker();

        /** Most generations one worker runs at once; past it the worker stops fetching (sized from Triton's slots). */
        @WithDefault("256")
        int workerMaxInFlight();

        /** Consumer-group session timeout of workers: how soon a dead worker's requests are taken over. */
        @WithDefault("10s")
        Duration workerSessionTimeout();

        /**
         * Tokens of one request are coalesced into one Kafka event per window (about one display frame):
         * one timer for all streams flushes each window; 0 sends every token as its own event.
         */
        @WithDefault("16ms")
        Duration coalesceWindow();

        /**
         * Longest a worker's fetch of queued requests waits at the broker ({@code fetch.max.wait.ms}).
         * Measured under load, a request waited at the broker for most of it before the worker saw it
         * (50 ms: queued TTFT p50 +16 ms, p99 +37 ms against 5 ms), so it is short; an idle worker then
         * sends at most 1000 / this many empty fetches a second.
         */
        @WithDefault("10ms")
        Duration workerFetchMaxWait();

        /**
         * How long a queued generation outlives its client's disconnect, waiting for the client to
         * resume; 0 cancels at once and turns resuming off.
         */
        @WithDefault("5s")
        Duration resumeGrace();

        /**
         * How long a queued generation's client counts as held by a gateway instance after that
         * instance last listed it in its owner heartbeat (sent every fifth of this on the control
         * topic). A generation of an instance's reply topic that no instance has listed for this long
         * is treated as if its client had gone: it is cancelled after a further {@code resume-grace}.
         */
        @WithDefault("5s")
        Duration ownerLease();

        /** Deadline given to queued requests: a worker skips a request older than this and reports it expired. */
        @WithDefault("10m")
        Duration requestTimeToLive();

        /**
         * Secret that signs resume URLs; every instance must share it so that any of them can resume any
         * stream. Without it a random one is made and resuming works only on the instance that took the request.
         */
        Optional<String> resumeSecret();

        /** How long a resumed stream may follow a still-running generation. */
        @WithDefault("10m")
        Duration resumeMaxDuration();

        /**
         * How often the Kafka cluster is probed (reachable, same cluster, this instance's topics present;
         * missing ones re-created): how soon an outage is noticed and a recovery used. A probe waits at
         * most this long, but at least 2 s and at most 5 s, for the cluster's answer.
         */
        @WithDefault("2s")
        Duration probeInterval();

        /**
         * Longest a record (a request, event, control message or status) may wait for the broker's
         * acknowledgement before it fails ({@code delivery.timeout.ms} of the producers): a request not
         * acknowledged in time is answered 503 and never retried by this instance; a generation whose
         * event failed is stopped at Triton.
         */
        @WithDefault("5s")
        Duration sendTimeout();

        /**
         * How long queued streams in flight wait for Kafka to come back, counted from the last probe that
         * found it, before they end with an error event (503 {@code backend_unavailable}).
         */
        @WithDefault("5s")
        Duration outageGrace();
    }

    /**
     * Stored responses and background runs of the Responses API (docs/responses.md). They live in Kafka, so they
     * need the queue ({@code gateway.queue.enabled}).
     */
    interface Responses {
        /** Whether responses are stored (the client's {@code store}, default true) and background runs taken. */
        @WithDefault("true")
        boolean enabled();

        /** How long a stored response is kept after its last change; then it is deleted as if by {@code DELETE}. */
        @WithDefault("30d")
        Duration retention();

        /**
         * Longest a read waits for this instance's copy of the store to catch up with what the cluster has
         * (read-your-writes: a response accepted anywhere is never a 404 right after); past it the read is a 503.
         */
        @WithDefault("5s")
        Duration readWait();

        /** Where this instance keeps its copy of the store (RocksDB). Default: a directory under java.io.tmpdir named after the instance. */
        Optional<String> stateDir();

        /** Most earlier responses one {@code previous_response_id} chain may reach back. */
        @WithDefault("256")
        int maxChain();
    }

    /** Image content parts ({@code image_url}): limits, decoding, fetching. docs/images.md explains each. */
    interface Images {
        /** Most images one request may carry. */
        @WithDefault("8")
        int maxPerRequest();

        /** Largest image in bytes (decoded from base64, or fetched). */
        @WithDefault("5242880")
        int maxBytes();

        /** Most bytes of all images of one request together. */
        @WithDefault("20971520")
        int maxTotalBytes();

        /** Longest side of an image in pixels, read from its header before anything decodes it. */
        @WithDefault("8192")
        int maxSide();

        /** Most pixels (width times height) of one image. */
        @WithDefault("33554432")
        long maxPixels();

        /** Threads that check images by decoding them, off the event loops. */
        @WithDefault("2")
        int decodeThreads();

        /** Images that may wait for a decoding thread; beyond that a request gets a 503. */
        @WithDefault("64")
        int decodeQueue();

        Fetch fetch();

        /** Fetching {@code https} image URLs. */
        interface Fetch {
            /** Whether the gateway fetches {@code http(s)} URLs at all; off, only {@code data:} URIs are accepted. */
            @WithDefault("true")
            boolean enabled();

            /** Whether plain {@code http} is fetched too (never by default: the bytes could be changed on the way). */
            @WithDefault("false")
            boolean allowHttp();

            /**
             * Addresses the SSRF rules would refuse that may still be fetched: CIDR blocks
             * ({@code 10.1.2.0/24}, {@code ::1/128}) or single addresses.
             */
            Optional<List<String>> allow();

            /** Longest time for one fetch, redirects included. */
            @WithDefault("10s")
            Duration timeout();

            /** Most redirects followed, each checked again. */
            @WithDefault("3")
            int maxRedirects();

            /**
             * PEM files of the certificates (or CAs) image servers are checked against, instead of the JVM's
             * trust store; unset, the JVM's. For tests (a self-signed loopback server) and private CAs.
             */
            Optional<List<String>> trustCertificates();
        }
    }
}
