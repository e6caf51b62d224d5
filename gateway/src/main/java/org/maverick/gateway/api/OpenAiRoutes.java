package org.maverick.gateway.api;

import org.maverick.gateway.request.RequestValidator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.maverick.gateway.protocol.ChatCompletion;
import org.maverick.gateway.protocol.Completion;
import org.maverick.gateway.protocol.ModelList;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.RequestIds;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.QueuedBackend;
import org.maverick.gateway.queue.ResumeReader;
import org.maverick.gateway.queue.ResumeTokens;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.gateway.generation.GenerationEvent;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.maverick.gateway.image.ImageIntake;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The OpenAI-compatible HTTP edge: {@code /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/models}. Plain Vert.x routes rather than JAX-RS, because a stream needs exact control
 * of when headers go out (only after the request was admitted and the engine started), of SSE
 * framing and of the write queue.
 *
 * <p>Every route but the resume URL (whose token is its own credential) authenticates first, in one
 * step ({@link EdgeAuth}). Parsing, validation, templating and prompt counting run where
 * {@link ParseDispatch} puts them: on the event loop for small bodies, on a worker thread for large ones.
 */
@ApplicationScoped
public class OpenAiRoutes {

    private static final Logger LOG = Logger.getLogger(OpenAiRoutes.class);

    /** Per-request choice of {@code direct} or {@code queued} execution, overriding {@code gateway.mode}. */
    static final String MODE_HEADER = "x-maverick-mode";

    private final RequestValidator validator;
    private final Backend backend;
    private final ObjectMapper json;
    private final GatewayConfig config;
    private final ResumeTokens resumeTokens;
    private final ResumeReader resumeReader;
    private final QueuedBackend queued;
    private final KafkaQueue queue;
    private final GatewayMetrics metrics;
    private final EdgeAuth auth;
    private final ParseDispatch parsing;
    private final OversizedBody oversized;
    private final ImageIntake images;

    OpenAiRoutes(RequestValidator validator, Backend backend, ObjectMapper json, GatewayConfig config,
                 ResumeTokens resumeTokens, ResumeReader resumeReader, QueuedBackend queued, KafkaQueue queue,
                 GatewayMetrics metrics, EdgeAuth auth, ImageIntake images) {
        this.images = images;
        this.metrics = metrics;
        this.auth = auth;
        this.parsing = new ParseDispatch(GatewayConfig.inlineParseBytes(config));
        this.validator = validator;
        this.backend = backend;
        this.json = json;
        this.config = config;
        this.resumeTokens = resumeTokens;
        this.resumeReader = resumeReader;
        this.queued = queued;
        this.queue = queue;
        this.oversized = new OversizedBody(config.limits(), json);
    }

    void routes(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(config.limits().maxBodyBytes());
        Handler<RoutingContext> authenticated = authenticate(ctx -> "-");
        // Order -3: ahead of Quarkus's own Content-Length check (-2), which answers an empty 413.
        router.post("/v1/chat/completions").order(-3).handler(oversized::checkDeclaredLength);
        router.post("/v1/completions").order(-3).handler(oversized::checkDeclaredLength);
        router.post("/v1/chat/completions").handler(body)
                .handler(authenticate(ctx -> RequestIds.next(RequestIds.CHAT)))
                .handler(ctx -> handle(ctx, RequestIds.CHAT,
                        (bytes, id) -> validator.chatDraft(json, bytes, id, now()).resolve(images)))
                .failureHandler(this::failure);
        router.post("/v1/completions").handler(body)
                .handler(authenticate(ctx -> RequestIds.next(RequestIds.COMPLETION)))
                .handler(ctx -> handle(ctx, RequestIds.COMPLETION,
                        (bytes, id) -> Uni.createFrom().item(validator.completion(json, bytes, id, now()))))
                .failureHandler(this::failure);
        router.get("/v1/streams/:token").handler(this::resume).failureHandler(this::failure);
        router.post("/v1/requests/:id/cancel").handler(authenticate(ctx -> ctx.pathParam("id"))).handler(this::cancel)
                .failureHandler(this::failure);
        router.post("/v1/realtime/tickets").handler(authenticated).handler(this::ticket).failureHandler(this::failure);
        router.get("/v1/models").handler(authenticated).handler(this::models).failureHandler(this::failure);
        router.get("/v1/models/:id").handler(authenticated).handler(this::model).failureHandler(this::failure);
        router.route("/v1/*").handler(ctx -> ErrorRenderer.respond(ctx.response(), json,
                new GatewayException.NotFound(404, "Unknown endpoint " + ctx.request().method() + " "
                        + ctx.request().path())));
    }

    /**
     * The edge's authentication step for a route. A refused request is logged and answered under the
     * id {@code requestIdOf} gives it: a fresh one for a generation route, as any refused generation gets.
     */
    private Handler<RoutingContext> authenticate(Function<RoutingContext, String> requestIdOf) {
        return auth.step((ctx, e) -> reject(ctx, requestIdOf.apply(ctx), e));
    }

    /**
     * {@code parse} runs where {@link ParseDispatch} puts it and returns a lazy {@link Uni}: a text-only
     * request's is ready at once; one with pictures checks them on the image decoding pool. Its outcome
     * comes back to this connection's event loop.
     */
    private void handle(RoutingContext ctx, String idPrefix, BiFunction<byte[], String, Uni<Generation>> parse) {
        Buffer body = ctx.body().buffer();
        String requestId = RequestIds.next(idPrefix);
        String tenant = EdgeAuth.tenant(ctx);
        Optional<Generation.Dispatch> dispatch;
        try {
            dispatch = dispatchOverride(ctx.request().getHeader(MODE_HEADER));
            requireJson(ctx);
        } catch (GatewayException e) {
            reject(ctx, requestId, e);
            return;
        }
        BiFunction<byte[], String, Uni<Generation>> prepare = (bytes, id) -> parse.apply(bytes, id).map(g -> {
            Generation withCaller = g.withCaller(tenant);
            return dispatch.isEmpty() ? withCaller : withCaller.withDispatch(dispatch.get());
        });
        if (body == null || body.length() == 0) {
            reject(ctx, requestId, new InvalidRequest(null, "The request body is empty; send a JSON object.",
                    "invalid_json"));
            return;
        }
        Context loop = Vertx.currentContext();
        // The body's bytes are copied out where it is parsed: a long chat's copy is not made on the event loop.
        parsing.parse(ctx.vertx(), body.length(), () -> prepare.apply(body.getBytes(), requestId),
                ready -> ready.subscribe().with(
                        g -> loop.runOnContext(v -> run(ctx, g)),
                        e -> loop.runOnContext(v -> reject(ctx, requestId, ErrorRenderer.classify(e)))),
                e -> reject(ctx, requestId, e));
    }

    private void run(RoutingContext ctx, Generation g) {
        HttpServerResponse response = ctx.response();
        if (response.closed()) {
            return; // the client left while the request was being prepared
        }
        Multi<GenerationEvent> events = backend.generate(g);
        Context context = Vertx.currentContext();
        Runnable clientGone = () -> LOG.debugf("request %s: client closed the connection, generation cancelled",
                g.requestId());
        if (g.stream()) {
            new SseRelay(g, response, context, json, config.sse(), clientGone).start(events);
        } else {
            collect(g, response, context, events, clientGone);
        }
    }

    /** A non-streamed answer: gather the tokens, answer once, cancel if the client leaves first. */
    private void collect(Generation g, HttpServerResponse response, Context context, Multi<GenerationEvent> events,
                         Runnable clientGone) {
        StringBuilder text = new StringBuilder();
        List<ChatCompletion.ToolCall> calls = new java.util.ArrayList<>();
        var cancellable = events.subscribe().with(
                event -> {
                    if (event instanceof GenerationEvent.Token t) {
                        text.append(t.text());
                    } else if (event instanceof GenerationEvent.ToolCall c) {
                        calls.add(new ChatCompletion.ToolCall(c.id(), c.name(), c.arguments()));
                    } else if (event instanceof GenerationEvent.Finished f) {
                        String answer = text.toString();
                        context.runOnContext(v -> respond(response, g, answer, calls, f));
                    }
                },
                failure -> context.runOnContext(v -> reject(response, g.requestId(), ErrorRenderer.classify(failure))));
        response.closeHandler(v -> {
            if (!response.ended()) {
                cancellable.cancel();
                clientGone.run();
            }
        });
    }

    private void respond(HttpServerResponse response, Generation g, String answer, List<ChatCompletion.ToolCall> calls,
                         GenerationEvent.Finished f) {
        if (response.ended() || response.closed()) {
            return;
        }
        Object body;
        UsageDto usage = UsageDto.of(f.usage());
        if (g.kind() == Generation.Kind.CHAT) {
            body = new ChatCompletion(g.requestId(), "chat.completion", g.createdEpochSeconds(), g.modelId(),
                    List.of(new ChatCompletion.Choice(0, new ChatCompletion.Message("assistant",
                            calls.isEmpty() || !answer.isEmpty() ? answer : null, calls), null,
                            f.reason().wire())), usage);
        } else {
            body = new Completion(g.requestId(), "text_completion", g.createdEpochSeconds(), g.modelId(),
                    List.of(new Completion.Choice(answer, 0, null, f.reason().wire())), usage);
        }
        try {
            response.putHeader("content-type", "application/json")
                    .putHeader("x-request-id", g.requestId())
                    .end(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            reject(response, g.requestId(), new GatewayException.Internal(e));
        }
    }

    /** A body that is not JSON is refused by its declared type, before it is parsed. */
    static void requireJson(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (type != null && !type.isBlank() && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new InvalidRequest("Content-Type", "The request body must be JSON (Content-Type: application/json), "
                    + "got '" + type + "'.", "invalid_content_type");
        }
    }

    /**
     * {@code POST /v1/realtime/tickets}: a short-lived ticket for browsers, which cannot put an API key in
     * a WebSocket's headers: open {@code /v1/realtime/chat?ticket=...} with it within a minute.
     */
    private void ticket(RoutingContext ctx) {
        writeJson(ctx.response(), java.util.Map.of("object", "realtime.ticket",
                "ticket", auth.issueTicket(EdgeAuth.tenant(ctx)), "expires_in", EdgeAuth.TICKET_TTL.toSeconds()));
    }

    static Optional<Generation.Dispatch> dispatchOverride(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        return switch (header.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "direct" -> Optional.of(Generation.Dispatch.DIRECT);
            case "queued" -> Optional.of(Generation.Dispatch.QUEUED);
            default -> throw new InvalidRequest(MODE_HEADER, "the " + MODE_HEADER + " header must be 'direct' or "
                    + "'queued', got '" + header + "'");
        };
    }

    /**
     * {@code GET /v1/streams/{token}}: a queued stream picked up again, on any instance, after the
     * client's {@code Last-Event-ID} (what an EventSource sends by itself when it reconnects).
     */
    private void resume(RoutingContext ctx) {
        Optional<ResumeTokens.Location> at = resumeTokens.verify(ctx.pathParam("token"));
        if (at.isEmpty()) {
            reject(ctx, "-", new GatewayException.NotFound(404, "Unknown or invalid resume token."));
            return;
        }
        String lastId = ctx.request().getHeader("last-event-id");
        Optional<Long> after;
        try {
            after = lastId == null || lastId.isBlank() ? Optional.empty() : Optional.of(Long.parseLong(lastId.trim()));
        } catch (NumberFormatException e) {
            reject(ctx, at.get().requestId(), new InvalidRequest("Last-Event-ID", "Last-Event-ID must be an event id "
                    + "this stream sent, got '" + lastId + "'"));
            return;
        }
        ResumeTokens.Location loc = at.get();
        ChunkEncoder chunks = new ChunkEncoder(loc.requestId(), "chat".equals(loc.kind()), loc.since() / 1000 + 1,
                config.model().id(), json);
        Runnable gone = () -> LOG.debugf("request %s: resumed client left again", loc.requestId());
        new SseRelay(loc.requestId(), chunks, loc.includeUsage(), after.isEmpty(), ctx.response(),
                Vertx.currentContext(), json, config.sse(), gone)
                .start(resumeReader.events(loc, after));
    }

    /** {@code POST /v1/requests/{id}/cancel}: cancels a queued generation wherever it runs. */
    private void cancel(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!queue.enabled()) {
            reject(ctx, id, new GatewayException.NotFound(404, "Only queued requests can be cancelled by id; the "
                    + "queue is not enabled on this gateway."));
            return;
        }
        queued.sendControl(id, Messages.Control.CANCEL, null);
        ctx.response().setStatusCode(202);
        writeJson(ctx.response(), java.util.Map.of("id", id, "object", "request.cancel", "status", "accepted"));
    }

    private void models(RoutingContext ctx) {
        ModelList list = new ModelList("list", List.of(card()));
        writeJson(ctx.response(), list);
    }

    private void model(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!config.model().id().equals(id)) {
            ErrorRenderer.respond(ctx.response(), json, new GatewayException.ModelNotFound(id));
            return;
        }
        writeJson(ctx.response(), card());
    }

    private ModelList.ModelCard card() {
        return new ModelList.ModelCard(config.model().id(), "model", 1743811200L, "meta-llama");
    }

    private void writeJson(HttpServerResponse response, Object body) {
        try {
            response.putHeader("content-type", "application/json").end(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            ErrorRenderer.respond(response, json, new GatewayException.Internal(e));
        }
    }

    void failure(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            oversized.refuse(ctx); // a chunked body crossed the limit (BodyHandler): answer now, drop the rest
            return;
        }
        GatewayException e;
        if (ctx.failure() != null) {
            e = ErrorRenderer.classify(ctx.failure());
        } else {
            e = new GatewayException.NotFound(ctx.statusCode() == 405 ? 405 : 404, "Request failed with status "
                    + ctx.statusCode());
        }
        reject(ctx.response(), "-", e);
    }

    private void reject(RoutingContext ctx, String requestId, GatewayException e) {
        if (requestId.startsWith(RequestIds.CHAT) || requestId.startsWith(RequestIds.COMPLETION)) {
            metrics.rejected(requestId.startsWith(RequestIds.CHAT) ? "chat" : "text_completion",
                    config.mode().name().toLowerCase(java.util.Locale.ROOT), e.code());
        }
        reject(ctx.response(), requestId, e);
    }

    void reject(HttpServerResponse response, String requestId, GatewayException e) {
        ErrorRenderer.log(requestId, e, false);
        if (!response.headWritten()) {
            response.putHeader("x-request-id", requestId);
        }
        ErrorRenderer.respond(response, json, e);
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }
}
