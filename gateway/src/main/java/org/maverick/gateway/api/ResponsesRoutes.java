package org.maverick.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.RequestIds;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.protocol.responses.Response;
import org.maverick.gateway.protocol.responses.ResponseCreateRequest;
import org.maverick.gateway.protocol.responses.ResponseSettings;
import org.maverick.gateway.queue.QueuedBackend;
import org.maverick.gateway.queue.ResumeReader;
import org.maverick.gateway.request.ResponsesRequestParser;
import org.maverick.gateway.responses.InputItems;
import org.maverick.gateway.responses.ResponseStore;
import org.maverick.gateway.responses.StoredResponse;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.kafka.Topics;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code POST /v1/responses}, OpenAI's Responses API, over the same pipeline as chat completions: the same
 * authentication step, parse placement ({@link ParseDispatch}), admission, direct or queued routing,
 * cancellation, tracing and metrics (the generation is a chat generation, so its GenAI operation name is
 * {@code chat}, the semantic conventions' value for this operation), and the same SSE relay with the
 * Responses API's semantic events as its frames ({@link ResponseEncoder}).
 *
 * <p>Stored responses ({@code store}, OpenAI's default) are kept in Kafka ({@link ResponseStore}) and read back
 * with {@code GET /v1/responses/{id}}, {@code GET …/input_items}, {@code DELETE}; {@code previous_response_id}
 * continues a stored conversation; {@code background: true} publishes the run to the queue and answers at once
 * ({@code queued}), its events kept in {@code maverick.responses.events} so that any instance can replay and follow
 * them ({@code GET …?stream=true&starting_after=N}); {@code POST …/cancel} stops it. A deployment without the
 * queue stores nothing: the answer is given normally and the {@value #STORED_HEADER} header says so. See
 * docs/responses.md.
 */
@ApplicationScoped
public class ResponsesRoutes {

    private static final Logger LOG = Logger.getLogger(ResponsesRoutes.class);

    /** Says that a response the client asked to store was not stored. */
    static final String STORED_HEADER = "x-maverick-stored";

    private final ResponsesRequestParser parser;
    private final Backend backend;
    private final ObjectMapper json;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final EdgeAuth auth;
    private final OpenAiRoutes edge;
    private final ParseDispatch parsing;
    private final ImageIntake images;
    private final ResponseStore store;
    private final QueuedBackend queued;
    private final ResumeReader reader;

    ResponsesRoutes(ResponsesRequestParser parser, Backend backend, ObjectMapper json, GatewayConfig config,
                    GatewayMetrics metrics, EdgeAuth auth, OpenAiRoutes edge, ImageIntake images, ResponseStore store,
                    QueuedBackend queued, ResumeReader reader) {
        this.images = images;
        this.store = store;
        this.queued = queued;
        this.reader = reader;
        this.parser = parser;
        this.backend = backend;
        this.json = json;
        this.config = config;
        this.metrics = metrics;
        this.auth = auth;
        this.edge = edge;
        this.parsing = new ParseDispatch(config.limits().inlineParseBytes());
    }

    /**
     * Registered before {@link OpenAiRoutes} (a lower priority runs first), whose catch-all {@code /v1/*}
     * answers 404 for any route added after it.
     */
    void routes(@Observes @Priority(100) Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(config.limits().maxBodyBytes());
        router.post("/v1/responses").handler(body)
                .handler(auth.step((ctx, e) -> reject(ctx, RequestIds.next(RequestIds.RESPONSE), e)))
                .handler(this::handle)
                .failureHandler(edge::failure);
        router.get("/v1/responses/:id").handler(auth.step(this::refuse)).handler(this::retrieve)
                .failureHandler(edge::failure);
        router.delete("/v1/responses/:id").handler(auth.step(this::refuse)).handler(this::delete)
                .failureHandler(edge::failure);
        router.get("/v1/responses/:id/input_items").handler(auth.step(this::refuse)).handler(this::inputItems)
                .failureHandler(edge::failure);
        router.post("/v1/responses/:id/cancel").handler(auth.step(this::refuse)).handler(this::cancel)
                .failureHandler(edge::failure);
    }

    /** A request and what it became: the generation to run and the settings echoed. */
    private record Prepared(ResponseCreateRequest request, ResponsesRequestParser.Parsed parsed) {
    }

    private void handle(RoutingContext ctx) {
        String requestId = RequestIds.next(RequestIds.RESPONSE);
        String tenant = EdgeAuth.tenant(ctx);
        Optional<Generation.Dispatch> dispatch;
        try {
            dispatch = OpenAiRoutes.dispatchOverride(ctx.request().getHeader(OpenAiRoutes.MODE_HEADER));
            OpenAiRoutes.requireJson(ctx);
        } catch (GatewayException e) {
            reject(ctx, requestId, e);
            return;
        }
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            reject(ctx, requestId, new InvalidRequest(null, "The request body is empty; send a JSON object.",
                    "invalid_json"));
            return;
        }
        byte[] bytes = body.getBytes();
        Context loop = Vertx.currentContext();
        long created = Instant.now().getEpochSecond();
        // As for chat completions: the body is parsed where ParseDispatch puts it, the conversation it continues is
        // read from the store, pictures are checked on the image decoding pool, and the outcome comes back to this
        // connection's event loop.
        parsing.parse(ctx.vertx(), bytes.length, () -> {
                    ResponseCreateRequest r = parser.read(json, bytes);
                    requireStore(r);
                    Uni<List<JsonNode>> history = r.previousResponseId() == null ? Uni.createFrom().item(List.of())
                            : store.conversation(tenant, r.previousResponseId());
                    return history.flatMap(h -> parser.draft(r, h, requestId, created).resolve(images)).map(p -> {
                        Generation g = p.generation().withCaller(tenant);
                        return new Prepared(r, p.withGeneration(dispatch.isEmpty() ? g
                                : g.withDispatch(dispatch.get())));
                    });
                },
                ready -> ready.subscribe().with(
                        p -> loop.runOnContext(v -> run(ctx, p)),
                        e -> loop.runOnContext(v -> reject(ctx, requestId, ErrorRenderer.classify(e)))),
                e -> reject(ctx, requestId, e));
    }

    /** {@code background} and {@code previous_response_id} need the store; without it they are refused up front. */
    private void requireStore(ResponseCreateRequest r) {
        if (store.available()) {
            return;
        }
        if (Boolean.TRUE.equals(r.background())) {
            throw new InvalidRequest("background", "background mode is not available: " + ResponseStore.unavailableReason(),
                    "unsupported_parameter");
        }
        if (r.previousResponseId() != null) {
            throw new InvalidRequest("previous_response_id", "previous_response_id is not available: "
                    + ResponseStore.unavailableReason() + "; send the whole conversation as input",
                    "unsupported_parameter");
        }
    }

    private void run(RoutingContext ctx, Prepared prepared) {
        HttpServerResponse response = ctx.response();
        if (response.closed()) {
            return; // the client left while the request was being prepared
        }
        Generation g = prepared.parsed().generation();
        ResponseSettings settings = prepared.parsed().settings();
        boolean stored = settings.storeRequested() && store.available();
        if (settings.storeRequested() && !stored) {
            response.putHeader(STORED_HEADER, "false");
        }
        ResponseEncoder encoder = new ResponseEncoder(g, settings, json, stored);
        if (settings.background()) {
            background(ctx, prepared, encoder);
            return;
        }
        if (!stored) {
            generate(ctx, g, encoder, () -> { }, done -> Uni.createFrom().voidItem());
            return;
        }
        // Stored before anything is answered, so that the id the client learns can be read at once, anywhere.
        StoredResponse base = record(g, prepared, encoder.snapshot(Response.IN_PROGRESS), false);
        java.util.function.Function<Response, Uni<Void>> storeEnd = done -> store.put(base.with(json.valueToTree(done),
                        store.expiresAt(System.currentTimeMillis())))
                .onFailure().invoke(e -> LOG.warnf("response %s: not stored: %s", g.requestId(), e.getMessage()))
                .onFailure().recoverWithNull();
        if (g.stream()) {
            encoder.onEnd(done -> storeEnd.apply(done).subscribe().with(v -> { }));
        }
        Context loop = Vertx.currentContext();
        store.put(base).subscribe().with(
                v -> loop.runOnContext(x -> generate(ctx, g, encoder, () -> store.put(base.with(
                        base.responseWith(Response.CANCELLED), store.expiresAt(System.currentTimeMillis())))
                        .subscribe().with(y -> { }, e -> { }), storeEnd)),
                e -> loop.runOnContext(x -> reject(ctx, g.requestId(), ErrorRenderer.classify(e))));
    }

    /**
     * @param beforeAnswer a non-streamed answer (or error) is sent when this is done with the response as it ended: a
     *                     stored response's end is written first, so that a read right after, on any instance, has it
     */
    private void generate(RoutingContext ctx, Generation g, ResponseEncoder encoder, Runnable onClientGone,
                          java.util.function.Function<Response, Uni<Void>> beforeAnswer) {
        HttpServerResponse response = ctx.response();
        if (response.closed()) {
            onClientGone.run();
            return;
        }
        Multi<GenerationEvent> events = backend.generate(g);
        Context context = Vertx.currentContext();
        Runnable clientGone = () -> {
            LOG.debugf("request %s: client closed the connection, generation cancelled", g.requestId());
            onClientGone.run();
        };
        if (g.stream()) {
            new SseRelay(g.requestId(), encoder, response, context, json, config.sse(), clientGone).start(events);
        } else {
            collect(g, encoder, response, context, events, clientGone, beforeAnswer);
        }
    }

    /**
     * {@code background: true}: stored as {@code queued}, then published to the queue with its events going to
     * {@code maverick.responses.events}; answered at once (a stream follows those events from Kafka). Nobody on
     * this instance holds the run: the client leaving does not cancel it, only {@code POST …/cancel} does.
     */
    private void background(RoutingContext ctx, Prepared prepared, ResponseEncoder encoder) {
        Generation g = prepared.parsed().generation();
        boolean follow = g.stream();
        // The worker streams its tokens to Kafka even when this client did not ask for a stream: a later
        // GET ?stream=true replays them.
        Generation run = g.withStream(true).withDispatch(Generation.Dispatch.QUEUED);
        StoredResponse base = record(g, prepared, encoder.queued(), true);
        Context loop = Vertx.currentContext();
        long since = base.createdAtMillis() - 1000;
        store.put(base)
                .flatMap(v -> queued.publish(run, Topics.RESPONSE_EVENTS).onFailure().call(e ->
                        // never runs: say so in the store, then answer the error
                        store.put(base.with(failed(base, e), store.expiresAt(System.currentTimeMillis())))
                                .onFailure().recoverWithNull()))
                .subscribe().with(
                        v -> loop.runOnContext(x -> {
                            HttpServerResponse response = ctx.response();
                            if (!follow) {
                                respond(response, g.requestId(), base.response());
                            } else if (!response.closed()) {
                                new SseRelay(g.requestId(), encoder, response, Vertx.currentContext(), json,
                                        config.sse(), () -> LOG.debugf("background response %s: the client stopped "
                                        + "reading; the run goes on", g.requestId()))
                                        .start(reader.follow(g.requestId(), Topics.RESPONSE_EVENTS, since));
                            }
                        }),
                        e -> loop.runOnContext(x -> reject(ctx, g.requestId(), ErrorRenderer.classify(e))));
    }

    private ObjectNode failed(StoredResponse base, Throwable e) {
        ObjectNode r = base.responseWith(Response.FAILED);
        r.set("error", json.valueToTree(new Response.ResponseError("server_error", "The response could not be "
                + "queued: " + e.getMessage())));
        return r;
    }

    private StoredResponse record(Generation g, Prepared prepared, Response response, boolean background) {
        long now = System.currentTimeMillis();
        return new StoredResponse(StoredResponse.VERSION, g.requestId(), g.caller(), now, store.expiresAt(now),
                background, prepared.request().previousResponseId(),
                InputItems.of(g.requestId(), prepared.request().input()), json.valueToTree(response));
    }

    // ---- stored responses: read, list input, delete, cancel ----

    /**
     * The stored response {@code :id} of the caller's tenant, handed to {@code then} on the event loop; a 404 when
     * there is none (unknown, deleted, expired, or another tenant's: they are not told apart).
     */
    private void stored(RoutingContext ctx, java.util.function.BiConsumer<RoutingContext, StoredResponse> then) {
        String id = ctx.pathParam("id");
        String tenant = EdgeAuth.tenant(ctx);
        Context loop = Vertx.currentContext();
        if (!store.available()) {
            refuse(ctx, new GatewayException.NotFound(404, "Response with id '" + id + "' not found: "
                    + ResponseStore.unavailableReason() + "."));
            return;
        }
        store.find(id).subscribe().with(
                found -> loop.runOnContext(v -> {
                    if (found.isEmpty() || !found.get().tenant().equals(tenant)) {
                        refuse(ctx, new GatewayException.NotFound(404, "Response with id '" + id + "' not found."));
                    } else {
                        then.accept(ctx, found.get());
                    }
                }),
                e -> loop.runOnContext(v -> refuse(ctx, ErrorRenderer.classify(e))));
    }

    /** {@code GET /v1/responses/{id}}: the response as stored; with {@code stream=true} a background one's events. */
    private void retrieve(RoutingContext ctx) {
        boolean stream;
        long startingAfter;
        try {
            stream = booleanParam(ctx, "stream");
            startingAfter = longParam(ctx, "starting_after", -1);
        } catch (GatewayException e) {
            refuse(ctx, e);
            return;
        }
        stored(ctx, (c, s) -> {
            if (!stream) {
                respond(c.response(), s.id(), s.response());
                return;
            }
            if (!s.background()) {
                refuse(c, new InvalidRequest("stream", "Only background responses can be streamed again; GET this "
                        + "one without stream=true.", "invalid_value"));
                return;
            }
            if (Response.terminal(s.status())
                    && System.currentTimeMillis() - s.createdAtMillis() > EVENTS_KEPT.toMillis()) {
                refuse(c, new InvalidRequest("stream", "The events of this response are no longer kept (they are "
                        + "kept for a day); GET it without stream=true.", "invalid_value"));
                return;
            }
            ResponseEncoder encoder = new ResponseEncoder(s.id(), s.response().path("created_at").asLong(),
                    s.response().path("model").asText(), ResponseSettings.echoedBy(s.response()), json, true)
                    .startingAfter(startingAfter);
            new SseRelay(s.id(), encoder, c.response(), Vertx.currentContext(), json, config.sse(),
                    () -> LOG.debugf("background response %s: the client stopped reading", s.id()))
                    .start(reader.follow(s.id(), Topics.RESPONSE_EVENTS, s.createdAtMillis() - 1000));
        });
    }

    /** How long background events are kept: the retention of {@code maverick.responses.events}. */
    private static final Duration EVENTS_KEPT = Duration.ofHours(23);

    /** {@code DELETE /v1/responses/{id}}: a background run still going is cancelled first. */
    private void delete(RoutingContext ctx) {
        stored(ctx, (c, s) -> {
            if (s.background() && !Response.terminal(s.status())) {
                queued.sendControl(s.id(), org.maverick.gateway.queue.Messages.Control.CANCEL, null);
            }
            Context loop = Vertx.currentContext();
            store.delete(s.id()).subscribe().with(
                    v -> loop.runOnContext(x -> {
                        ObjectNode out = json.createObjectNode();
                        out.put("id", s.id()).put("object", "response.deleted").put("deleted", true);
                        respond(c.response(), s.id(), out);
                    }),
                    e -> loop.runOnContext(x -> refuse(c, ErrorRenderer.classify(e))));
        });
    }

    /** {@code GET /v1/responses/{id}/input_items}: OpenAI's list, newest first unless {@code order=asc}. */
    private void inputItems(RoutingContext ctx) {
        int limit;
        boolean ascending;
        String after = ctx.request().getParam("after");
        try {
            limit = (int) longParam(ctx, "limit", 20);
            if (limit < 1 || limit > 100) {
                throw new InvalidRequest("limit", "limit must be between 1 and 100, got " + limit, "invalid_value");
            }
            String order = ctx.request().getParam("order");
            if (order != null && !order.equals("asc") && !order.equals("desc")) {
                throw new InvalidRequest("order", "order must be 'asc' or 'desc'", "invalid_value");
            }
            ascending = "asc".equals(order);
        } catch (GatewayException e) {
            refuse(ctx, e);
            return;
        }
        stored(ctx, (c, s) -> {
            List<JsonNode> items = new java.util.ArrayList<>(s.inputItems());
            if (!ascending) {
                java.util.Collections.reverse(items);
            }
            int from = 0;
            if (after != null) {
                from = -1;
                for (int i = 0; i < items.size(); i++) {
                    if (after.equals(items.get(i).path("id").asText())) {
                        from = i + 1;
                    }
                }
                if (from < 0) {
                    refuse(c, new InvalidRequest("after", "after names no input item of this response: '" + after
                            + "'", "invalid_value"));
                    return;
                }
            }
            List<JsonNode> page = items.subList(Math.min(from, items.size()), Math.min(from + limit, items.size()));
            ObjectNode out = json.createObjectNode();
            out.put("object", "list");
            ArrayNode data = out.putArray("data");
            page.forEach(data::add);
            out.put("first_id", page.isEmpty() ? null : page.get(0).path("id").asText());
            out.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).path("id").asText());
            out.put("has_more", from + limit < items.size());
            respond(c.response(), s.id(), out);
        });
    }

    /**
     * {@code POST /v1/responses/{id}/cancel}: a background response still queued or running is stopped (at Triton,
     * or before it starts) and is {@code cancelled} from now on; an ended one is returned as it is.
     */
    private void cancel(RoutingContext ctx) {
        stored(ctx, (c, s) -> {
            if (!s.background()) {
                refuse(c, new InvalidRequest(null, "Only background responses can be cancelled.", "invalid_value"));
                return;
            }
            if (Response.terminal(s.status())) {
                respond(c.response(), s.id(), s.response());
                return;
            }
            queued.sendControl(s.id(), org.maverick.gateway.queue.Messages.Control.CANCEL, null);
            StoredResponse cancelled = s.with(s.responseWith(Response.CANCELLED),
                    store.expiresAt(System.currentTimeMillis()));
            Context loop = Vertx.currentContext();
            store.put(cancelled).subscribe().with(
                    v -> loop.runOnContext(x -> respond(c.response(), s.id(), cancelled.response())),
                    e -> loop.runOnContext(x -> refuse(c, ErrorRenderer.classify(e))));
        });
    }

    private static boolean booleanParam(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        if (v == null) {
            return false;
        }
        if (!v.equals("true") && !v.equals("false")) {
            throw new InvalidRequest(name, name + " must be true or false, got '" + echo(v) + "'", "invalid_value");
        }
        return v.equals("true");
    }

    private static long longParam(RoutingContext ctx, String name, long absent) {
        String v = ctx.request().getParam(name);
        if (v == null) {
            return absent;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidRequest(name, name + " must be a whole number of at least 0, got '" + echo(v) + "'",
                    "invalid_value");
        }
    }

    private static String echo(String v) {
        return v.length() > 32 ? v.substring(0, 32) + "…" : v;
    }

    private void respond(HttpServerResponse response, String id, Object body) {
        if (response.ended() || response.closed()) {
            return;
        }
        try {
            response.putHeader("content-type", "application/json").putHeader("x-request-id", id)
                    .end(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            edge.reject(response, id, new GatewayException.Internal(e));
        }
    }

    private void refuse(RoutingContext ctx, GatewayException e) {
        String id = ctx.pathParam("id");
        edge.reject(ctx.response(), id == null ? RequestIds.next(RequestIds.RESPONSE) : id, e);
    }

    /**
     * A non-streamed answer: gather the text and calls in order, answer once, cancel if the client leaves first.
     * The encoder is only touched on the backend's emitting thread until the answer is built there; the event
     * loop then only writes the finished response.
     */
    private void collect(Generation g, ResponseEncoder encoder, HttpServerResponse response, Context context,
                         Multi<GenerationEvent> events, Runnable clientGone,
                         java.util.function.Function<Response, Uni<Void>> beforeAnswer) {
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        var cancellable = events.subscribe().with(
                event -> {
                    if (event instanceof GenerationEvent.Token t) {
                        encoder.collectText(t.text());
                    } else if (event instanceof GenerationEvent.ToolCall call) {
                        encoder.collectCall(call);
                    } else if (event instanceof GenerationEvent.Finished f) {
                        ended.set(true); // the generation is over: a client leaving now cancels nothing
                        Response answer = encoder.response(f);
                        beforeAnswer.apply(answer).subscribe().with(
                                v -> context.runOnContext(x -> respond(response, g.requestId(), answer)));
                    }
                },
                failure -> {
                    GatewayException e = ErrorRenderer.classify(failure);
                    // a stored response says how it ended, as a streamed one does
                    beforeAnswer.apply(encoder.failed(e)).subscribe().with(
                            v -> context.runOnContext(x -> edge.reject(response, g.requestId(), e)));
                });
        response.closeHandler(v -> {
            if (!response.ended() && !ended.get()) {
                cancellable.cancel();
                clientGone.run();
            }
        });
    }

    /** A refusal before anything was generated: counted as a rejected chat generation, answered as OpenAI's error. */
    private void reject(RoutingContext ctx, String requestId, GatewayException e) {
        metrics.rejected("chat", config.mode().name().toLowerCase(Locale.ROOT), e.code());
        edge.reject(ctx.response(), requestId, e);
    }
}
