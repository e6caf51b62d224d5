package org.maverick.gateway.api.realtime;

import org.maverick.gateway.api.EdgeAuth;
import org.maverick.gateway.api.ErrorRenderer;
import org.maverick.gateway.api.Outbox;
import org.maverick.gateway.api.ParseDispatch;
import org.maverick.gateway.api.SseRelay;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.request.RequestValidator;
import org.maverick.gateway.request.WireJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.Context;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.RequestIds;
import org.maverick.gateway.telemetry.GatewayMetrics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Flow;

/**
 * One realtime WebSocket: its active generations by client id, and the {@link Outbox} they share.
 *
 * <p>Threading: created on the socket's event loop; every method and every field is used on that
 * event loop only. Backend events arrive on transport threads and are handed over with
 * {@link Context#runOnContext}; large requests are validated on a worker ({@link ParseDispatch}), pictures
 * are checked on the image decoding pool ({@link ImageIntake}), and either outcome comes back on the event
 * loop.
 *
 * <p>A generation is registered under its id from the moment its {@code create} is accepted (before
 * validation finishes), so duplicate ids and the per-socket limit count it, and a {@code cancel} or a
 * close that arrives while it is being validated still stops it.
 */
final class RealtimeSession implements Outbox.Listener {

    private static final Logger LOG = Logger.getLogger(RealtimeSession.class);
    private static final int INITIAL_DEMAND = 4;
    private static final int MAX_ID_LENGTH = 64;
    /** WebSocket's "policy violation": the client broke the contract by not reading. */
    private static final int CLOSE_NOT_READING = 1008;
    /** RFC 6455: "an endpoint is going away, such as a server going down". */
    private static final int CLOSE_GOING_AWAY = 1001;

    private final WebSocketConnection connection;
    private final Context context;
    private final RequestValidator validator;
    private final Backend backend;
    private final ObjectMapper json;
    private final GatewayConfig config;
    private final RealtimeEvents events;
    private final Outbox outbox;
    private final Map<String, Stream> active = new LinkedHashMap<>();
    private long stallTimer = -1;
    private boolean closed;
    /** A large message is being read off the event loop; later messages wait in {@link #held}. */
    private boolean reading;
    private final java.util.ArrayDeque<String> held = new java.util.ArrayDeque<>();
    private long heldChars;
    /** Messages that may wait for a large one being read (their characters are bounded by the body limit too). */
    static final int MAX_HELD_MESSAGES = 256;

    private final GatewayMetrics metrics;
    private final EdgeAuth auth;
    private final ParseDispatch parsing;
    private final ImageIntake images;
    /**
     * Cancels a queued generation at its worker at once. A socket cannot resume a stream, so a queued
     * generation it stops needs no grace period for a client that might come back.
     */
    private final java.util.function.Consumer<String> cancelQueued;
    /** The tenant, once authenticated (upgrade header, ticket, or an auth message); null before. */
    private String tenant;

    RealtimeSession(WebSocketConnection connection, Context context, RequestValidator validator, Backend backend,
                    ObjectMapper json, GatewayConfig config, GatewayMetrics metrics, EdgeAuth auth,
                    ParseDispatch parsing, ImageIntake images, java.util.Optional<String> tenant,
                    java.util.function.Consumer<String> cancelQueued) {
        this.images = images;
        this.cancelQueued = cancelQueued;
        this.metrics = metrics;
        this.auth = auth;
        this.parsing = parsing;
        this.tenant = tenant.orElse(null);
        this.connection = connection;
        this.context = context;
        this.validator = validator;
        this.backend = backend;
        this.json = json;
        this.config = config;
        this.events = new RealtimeEvents(json);
        this.outbox = new Outbox(config.websocket().maxPendingBytes(),
                text -> connection.sendText(text).subscribeAsCompletionStage(), this);
    }

    private static final io.opentelemetry.context.propagation.TextMapGetter<JsonNode> MESSAGE_FIELDS =
            new io.opentelemetry.context.propagation.TextMapGetter<>() {
                @Override
                public Iterable<String> keys(JsonNode message) {
                    java.util.List<String> keys = new java.util.ArrayList<>();
                    message.fieldNames().forEachRemaining(keys::add);
                    return keys;
                }

                @Override
                public String get(JsonNode message, String key) {
                    JsonNode v = message == null ? null : message.get(key);
                    return v != null && v.isTextual() ? v.textValue() : null;
                }
            };

    /** The W3C trace context a create message may carry ({@code traceparent}, {@code tracestate}); else none. */
    private static io.opentelemetry.context.Context traceParent(JsonNode message) {
        return io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance()
                .extract(io.opentelemetry.context.Context.root(), message, MESSAGE_FIELDS);
    }

    /**
     * One client message. Every bad message gets an error event; none of them closes the socket (only a flood of
     * messages past a bound while a large one is read does). A message
     * above {@code gateway.limits.inline-parse-bytes} (a long chat) is read as JSON where {@link ParseDispatch}
     * puts it, off the event loop, as an HTTP body is; messages that arrive meanwhile wait, so they are handled
     * in the order they came (a {@code cancel} right after its {@code create} still finds it).
     */
    void onMessage(String text) {
        if (closed) {
            return;
        }
        if (reading) {
            if (held.size() >= MAX_HELD_MESSAGES || heldChars + text.length() > config.limits().maxBodyBytes()) {
                closeForFlood(held.size() + 1);
                return;
            }
            held.add(text);
            heldChars += text.length();
            return;
        }
        read(text);
    }

    private void read(String text) {
        boolean[] inline = {true};
        reading = true;
        parsing.parse(context.owner(), text.length(), () -> WireJson.readTree(json, text),
                message -> {
                    reading = false;
                    handle(message, text.length());
                    if (!inline[0]) {
                        readHeld();
                    }
                },
                e -> {
                    reading = false;
                    if (e instanceof InvalidRequest invalid) {
                        unreadable(invalid);
                    } else {
                        refuse(null, e);
                    }
                    if (!inline[0]) {
                        readHeld();
                    }
                });
        inline[0] = false;
    }

    /** The messages that waited for a large one, in order, until one of them is read off the loop in turn. */
    private void readHeld() {
        while (!reading && !closed && !held.isEmpty()) {
            String next = held.poll();
            heldChars -= next.length();
            read(next);
        }
    }

    private void unreadable(InvalidRequest e) {
        refuse(null, new InvalidRequest(null, e.getMessage().replace("The request body", "The message"),
                "invalid_json"));
    }

    /** A client that sends more than the bound while a large message is read: close (1008), as for one not reading. */
    private void closeForFlood(int messages) {
        LOG.infof("websocket %s: %d messages sent while a large one was read; closing it and cancelling %d generations",
                connection.id(), messages, active.size());
        shutDown();
        held.clear();
        heldChars = 0;
        connection.close(new CloseReason(CLOSE_NOT_READING, "too many messages while a large one is read"))
                .subscribe().with(v -> { }, failure -> LOG.debugf("websocket %s: close failed: %s", connection.id(),
                        failure.getMessage()));
    }

    private void handle(JsonNode message, int size) {
        if (closed) {
            return;
        }
        if (message == null || !message.isObject()) {
            refuse(null, new InvalidRequest(null, "A message must be a JSON object with a \"type\".", "invalid_type"));
            return;
        }
        JsonNode type = message.get("type");
        String id = message.path("id").isTextual() ? message.get("id").textValue() : null;
        if (type == null || !type.isTextual()) {
            refuse(id, new InvalidRequest("type", "type is required: one of create, cancel, ping.",
                    "missing_required_parameter"));
            return;
        }
        switch (type.textValue()) {
            case "auth" -> authenticate(message);
            case "create" -> {
                if (tenant == null) {
                    refuse(id, new GatewayException.Unauthorized("Authenticate first: send {\"type\":\"auth\","
                            + "\"api_key\":\"...\"} as the first message, or open the socket with a ticket "
                            + "(POST /v1/realtime/tickets) or an Authorization header."));
                    return;
                }
                create(message, size);
            }
            case "cancel" -> cancel(message);
            case "ping" -> outbox.send(RealtimeEvents.PONG);
            default -> refuse(id, new InvalidRequest("type", "Unknown message type '" + type.textValue()
                    + "': expected auth, create, cancel or ping.", "unknown_type"));
        }
    }

    /** {@code {"type":"auth","api_key":"..."}}: the key is checked and forgotten, never logged or echoed. */
    private void authenticate(JsonNode message) {
        JsonNode key = message.get("api_key");
        try {
            tenant = auth.tenantOfKey(key != null && key.isTextual() ? key.textValue() : null);
            outbox.send("{\"type\":\"authenticated\"}");
        } catch (GatewayException e) {
            refuse(null, e);
        }
    }

    /**
     * The gateway is stopping (its generations have drained): close with 1001 "going away". Run on the
     * socket's event loop, so the close frame goes after the events already handed over to it: a
     * generation's final {@code done} reaches the event loop after the pipeline already counts it as
     * finished, and would otherwise be overtaken by the close.
     */
    java.util.concurrent.CompletionStage<Void> goAway() {
        java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
        context.runOnContext(v -> connection.close(new CloseReason(CLOSE_GOING_AWAY, "server shutting down"))
                .subscribe().with(closed::complete, closed::completeExceptionally));
        return closed;
    }

    /** The socket closed (either side): cancel every generation still running. */
    void onClose() {
        if (!active.isEmpty()) {
            LOG.debugf("websocket %s closed with %d generations running, cancelled", connection.id(), active.size());
        }
        shutDown();
    }

    private void create(JsonNode message, int size) {
        String id = clientId(message);
        if (id == null) {
            return;
        }
        if (active.containsKey(id)) {
            refuse(id, new InvalidRequest("id", "A generation with id '" + id + "' is still running on this socket;"
                    + " ids must be unique among running generations.", "duplicate_id"));
            return;
        }
        int max = config.websocket().maxGenerations();
        if (active.size() >= max) {
            refuse(id, new InvalidRequest(null, "At most " + max + " generations may run at once on one socket;"
                    + " wait for one to finish or cancel one.", "too_many_generations"));
            return;
        }
        JsonNode request = message.get("request");
        if (request == null || !request.isObject()) {
            refuse(id, new InvalidRequest("request", "create needs a request: an OpenAI chat completion request"
                    + " object.", "missing_required_parameter"));
            return;
        }
        ((ObjectNode) request).put("stream", true); // implied: a WebSocket generation always streams
        Stream stream = new Stream(id, RequestIds.next(RequestIds.CHAT), traceParent(message));
        String caller = tenant;
        active.put(id, stream);
        long created = Instant.now().getEpochSecond();
        // As on POST /v1/chat/completions: the draft is validated where ParseDispatch puts it, its pictures
        // (if any) are checked on the decoding pool, and the outcome is handed back to this socket's event loop.
        Callable<Uni<Generation>> parse = () -> validator.chatDraft(json, request, stream.requestId, created)
                .resolve(images).map(g -> g.withCaller(caller));
        parsing.parse(context.owner(), size, parse,
                ready -> ready.subscribe().with(
                        g -> context.runOnContext(v -> stream.start(g)),
                        e -> context.runOnContext(v -> stream.refused(ErrorRenderer.classify(e)))),
                stream::refused);
    }

    private void cancel(JsonNode message) {
        String id = clientId(message);
        if (id == null) {
            return;
        }
        Stream stream = active.get(id);
        if (stream == null) {
            // Also what a cancel racing the generation's done gets; clients may ignore it then.
            refuse(id, new InvalidRequest("id", "No generation with id '" + id + "' is running on this socket.",
                    "unknown_id"));
            return;
        }
        stream.cancel();
        outbox.send(events.cancelled(id, stream.requestId));
    }

    /** The message's id, or null after telling the client why it is missing or unusable. */
    private String clientId(JsonNode message) {
        JsonNode id = message.get("id");
        if (id == null || id.isNull()) {
            refuse(null, new InvalidRequest("id", message.path("type").asText() + " needs an id: the client's"
                    + " name for the generation.", "missing_required_parameter"));
            return null;
        }
        if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > MAX_ID_LENGTH) {
            refuse(null, new InvalidRequest("id", "id must be a non-empty string of at most " + MAX_ID_LENGTH
                    + " characters.", "invalid_value"));
            return null;
        }
        return id.textValue();
    }

    private void refuse(String id, GatewayException e) {
        ErrorRenderer.log("ws-" + connection.id(), e, false);
        outbox.send(events.error(id, null, e));
    }

    @Override
    public void paused() {
        LOG.debugf("websocket %s: client not keeping up (%d bytes unsent), generations paused", connection.id(),
                outbox.pendingBytes());
        long timeout = config.websocket().stallTimeout().toMillis();
        stallTimer = context.owner().setTimer(timeout, t -> {
            stallTimer = -1;
            closeForSlowClient("stopped reading for " + timeout + " ms");
        });
    }

    @Override
    public void resumed() {
        LOG.debugf("websocket %s: client caught up, generations resumed", connection.id());
        cancelStallTimer();
    }

    @Override
    public void overflow(long pendingBytes) {
        closeForSlowClient(pendingBytes + " bytes unsent");
    }

    /**
     * A client that does not read holds engine slots and gateway memory: cancel its generations now
     * (not when the close handshake ends, which a client that does not read may never complete) and close.
     */
    private void closeForSlowClient(String why) {
        if (closed) {
            return;
        }
        LOG.infof("websocket %s: client is not reading (%s); closing it and cancelling %d generations",
                connection.id(), why, active.size());
        shutDown();
        connection.close(new CloseReason(CLOSE_NOT_READING, "client is not reading: " + why))
                .subscribe().with(v -> { }, failure -> LOG.debugf("websocket %s: close failed: %s", connection.id(),
                        failure.getMessage()));
    }

    private void shutDown() {
        closed = true;
        cancelStallTimer();
        for (Stream stream : new ArrayList<>(active.values())) {
            stream.cancel();
        }
    }

    private void cancelStallTimer() {
        if (stallTimer >= 0) {
            context.owner().cancelTimer(stallTimer);
            stallTimer = -1;
        }
    }

    /**
     * One generation on the socket, relayed with the same backpressure as {@link SseRelay}: one more
     * event is requested only when the socket's outbox is not backed up.
     */
    private final class Stream implements MultiSubscriber<GenerationEvent> {

        private final String id;
        private final String requestId;
        private final String chunkHead;
        private final io.opentelemetry.context.Context trace;
        private Flow.Subscription subscription;
        private boolean ended;
        private boolean queued;

        Stream(String id, String requestId, io.opentelemetry.context.Context trace) {
            this.id = id;
            this.requestId = requestId;
            this.chunkHead = RealtimeEvents.chunkHead(id);
            this.trace = trace;
        }

        void start(Generation g) {
            if (ended) {
                return; // cancelled (or the socket closed) while the request was validated
            }
            queued = g.dispatch() == Generation.Dispatch.QUEUED;
            // Each generation gets its own trace: the client's (from the create message) or a new one.
            try (io.opentelemetry.context.Scope ignored = trace.makeCurrent()) {
                backend.generate(g).subscribe().withSubscriber(this);
            }
        }

        void refused(GatewayException e) {
            if (ended) {
                return;
            }
            end();
            metrics.rejected("chat", config.mode().name().toLowerCase(java.util.Locale.ROOT), e.code());
            ErrorRenderer.log(requestId, e, false);
            outbox.send(events.error(id, requestId, e));
        }

        void cancel() {
            if (ended) {
                return;
            }
            end();
            if (queued) {
                cancelQueued.accept(requestId); // before the subscription's end says only "client gone"
            }
            if (subscription != null) {
                subscription.cancel();
            }
        }

        private void end() {
            ended = true;
            active.remove(id, this);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            context.runOnContext(v -> {
                subscription = s;
                if (ended) {
                    s.cancel();
                } else {
                    s.request(INITIAL_DEMAND);
                }
            });
        }

        @Override
        public void onItem(GenerationEvent event) {
            context.runOnContext(v -> handle(event));
        }

        @Override
        public void onFailure(Throwable failure) {
            context.runOnContext(v -> fail(ErrorRenderer.classify(failure)));
        }

        @Override
        public void onCompletion() {
            // Finished already ended the generation; a completion without it is a backend bug.
            context.runOnContext(v -> fail(new GatewayException.BackendError(
                    "The model backend ended without finishing the answer.", null)));
        }

        private void handle(GenerationEvent event) {
            if (ended) {
                return;
            }
            if (event instanceof GenerationEvent.Token || event instanceof GenerationEvent.ToolCall) {
                outbox.send(event instanceof GenerationEvent.Token token ? RealtimeEvents.chunk(chunkHead, token.text())
                        : events.toolCall(id, (GenerationEvent.ToolCall) event));
                outbox.whenWritable(() -> {
                    if (!ended) {
                        subscription.request(1);
                    }
                });
            } else if (event instanceof GenerationEvent.Finished finished) {
                end();
                outbox.send(events.done(id, requestId, finished));
            } else if (event instanceof GenerationEvent.Queued || event instanceof GenerationEvent.Admitted) {
                subscription.request(1); // admitted, or accepted into the queue: nothing to send yet
            }
        }

        private void fail(GatewayException e) {
            if (ended) {
                return;
            }
            end();
            ErrorRenderer.log(requestId, e, true);
            outbox.send(events.error(id, requestId, e));
        }
    }
}
