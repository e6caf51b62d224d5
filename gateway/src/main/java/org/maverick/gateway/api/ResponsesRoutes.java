package org.maverick.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.maverick.gateway.admission.Admission;
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
 * through {@link StoredResponsesRoutes}; {@code previous_response_id}
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
    private final Admission admission;

    ResponsesRoutes(ResponsesRequestParser parser, Backend backend, ObjectMapper json, GatewayConfig config,
                    GatewayMetrics metrics, EdgeAuth auth, OpenAiRoutes edge, ImageIntake images, ResponseStore store,
                    QueuedBackend queued, ResumeReader reader, Admission admission) {
        this.admission = admission;
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
        this.parsing = new ParseDispatch(GatewayConfig.inlineParseBytes(config));
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
        Context loop = Vertx.currentContext();
        long created = Instant.now().getEpochSecond();
        // As for chat completions: the body is copied out and parsed where ParseDispatch puts it, the conversation
        // it continues is read from the store, pictures are checked on the image decoding pool, and the outcome
        // comes back to this connection's event loop.
        parsing.parse(ctx.vertx(), body.length(), () -> {
                    ResponseCreateRequest r = parser.read(json, body.getBytes());
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
            generate(ctx, g, encoder, () -> { }, null);
            return;
        }
        // The record is written while the generation starts; nothing is answered before the broker has it, so
        // that the id the client learns can be read at once, anywhere. The generation does not wait for it.
        StoredResponse base = record(g, prepared, encoder.snapshot(Response.IN_PROGRESS), false);
        // The answer's last byte waits for its last write: a GET right after it reads the ended response.
        encoder.onEnd(done -> {
            Uni<Void> last = store.put(base.with(json.valueToTree(done), store.expiresAt(System.currentTimeMillis())))
                    .onFailure().invoke(e -> LOG.warnf("response %s: its end was not stored: %s", g.requestId(),
                            e.getMessage()))
                    .onFailure().recoverWithNull().memoize().indefinitely();
            last.subscribe().with(v -> { });
            return last;
        });
        Uni<Void> written = store.put(base).memoize().indefinitely();
        written.subscribe().with(v -> { }, e -> { }); // starts the write now
        generate(ctx, g, encoder, () -> store.put(base.with(base.responseWith(Response.CANCELLED),
                store.expiresAt(System.currentTimeMillis()))).subscribe().with(y -> { }, e -> { }), written);
    }

    /** {@code gate}: what must complete before anything is answered (a stored response's record), or null. */
    private void generate(RoutingContext ctx, Generation g, ResponseEncoder encoder, Runnable onClientGone,
                          Uni<Void> gate) {
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
            SseRelay relay = new SseRelay(g.requestId(), encoder, response, context, json, config.sse(), clientGone);
            (gate == null ? relay : relay.gate(gate)).start(events);
        } else {
            collect(g, encoder, response, context, events, clientGone, gate);
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
        // The run continues the trace of this request (its server span is current here, on its event loop).
        io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
        long since = base.createdAtMillis() - 1000;
        // The tenant's limits apply as for any request; the run's whole budget (prompt + max_output_tokens) is
        // charged when it is accepted, since it runs on whichever worker, long after this request ends.
        admission.admit(run)
                .flatMap(permit -> store.put(base)
                        .flatMap(v -> queued.publish(run, Topics.RESPONSE_EVENTS, trace))
                        .onItemOrFailure().invoke((v, e) -> permit.release(e == null ? run.sampling().maxTokens() : 0))
                        .onFailure().call(e ->
                                // never runs: say so in the store, then answer the error
                                store.put(base.with(failed(base, e), store.expiresAt(System.currentTimeMillis())))
                                        .onFailure().recoverWithNull()))
                .subscribe().with(
                        v -> loop.runOnContext(x -> {
                            HttpServerResponse response = ctx.response();
                            if (!follow) {
                                respond(response, g.requestId(), base.response());
                            } else if (!response.closed()) {
                                encoder.onEnd(r -> store.awaitEnded(g.requestId()));
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

    private void respond(HttpServerResponse response, String id, Object body) {
        respond(response, json, edge, id, body);
    }

    /** A JSON answer (200), unless the client left; an unserialisable body is a 500. */
    static void respond(HttpServerResponse response, ObjectMapper json, OpenAiRoutes edge, String id, Object body) {
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

    /**
     * A non-streamed answer: gather the text and calls in order, answer once, cancel if the client leaves first.
     * The encoder is only touched on the backend's emitting thread until the answer is built there; the event
     * loop then only writes the finished response.
     */
    private void collect(Generation g, ResponseEncoder encoder, HttpServerResponse response, Context context,
                         Multi<GenerationEvent> events, Runnable clientGone, Uni<Void> gate) {
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
                        Uni<Void> last = encoder.endWrite() == null ? Uni.createFrom().voidItem() : encoder.endWrite();
                        (gate == null ? last : gate.flatMap(v -> last)).subscribe().with(
                                w -> context.runOnContext(v -> respond(response, g.requestId(), answer)),
                                e -> context.runOnContext(v -> edge.reject(response, g.requestId(),
                                        ErrorRenderer.classify(e))));
                    }
                },
                failure -> {
                    GatewayException e = ErrorRenderer.classify(failure);
                    // a stored response says how it ended before the error is answered, as a streamed one does
                    Uni<Void> last = encoder.failedAnswer(e);
                    (last == null ? Uni.createFrom().voidItem() : last).subscribe().with(
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
