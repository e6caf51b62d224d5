package org.maverick.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
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
import org.maverick.gateway.request.ResponsesRequestParser;
import org.maverick.gateway.telemetry.GatewayMetrics;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code POST /v1/responses}, OpenAI's Responses API, over the same pipeline as chat completions: the same
 * authentication step, parse placement ({@link ParseDispatch}), admission, direct or queued routing,
 * cancellation, tracing and metrics (the generation is a chat generation, so its GenAI operation name is
 * {@code chat}, the semantic conventions' value for this operation), and the same SSE relay with the
 * Responses API's semantic events as its frames ({@link ResponseEncoder}).
 *
 * <p>Nothing is stored (stored responses are a later step): when the client asked for storing, as OpenAI's
 * default does, the answer is given normally and the {@value #STORED_HEADER} header says it was not stored.
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

    ResponsesRoutes(ResponsesRequestParser parser, Backend backend, ObjectMapper json, GatewayConfig config,
                    GatewayMetrics metrics, EdgeAuth auth, OpenAiRoutes edge, ImageIntake images) {
        this.images = images;
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
        // As for chat completions: the body is copied out and parsed where ParseDispatch puts it, pictures are
        // checked on the image decoding pool, and the outcome comes back to this connection's event loop.
        parsing.parse(ctx.vertx(), body.length(), () -> parser.draft(json, body.getBytes(), requestId,
                        Instant.now().getEpochSecond()).resolve(images).map(p -> {
                    Generation g = p.generation().withCaller(tenant);
                    return p.withGeneration(dispatch.isEmpty() ? g : g.withDispatch(dispatch.get()));
                }),
                ready -> ready.subscribe().with(
                        p -> loop.runOnContext(v -> run(ctx, p)),
                        e -> loop.runOnContext(v -> reject(ctx, requestId, ErrorRenderer.classify(e)))),
                e -> reject(ctx, requestId, e));
    }

    private void run(RoutingContext ctx, ResponsesRequestParser.Parsed parsed) {
        HttpServerResponse response = ctx.response();
        if (response.closed()) {
            return; // the client left while the request was being prepared
        }
        Generation g = parsed.generation();
        if (parsed.settings().storeRequested()) {
            response.putHeader(STORED_HEADER, "false");
        }
        ResponseEncoder encoder = new ResponseEncoder(g, parsed.settings(), json);
        Multi<GenerationEvent> events = backend.generate(g);
        Context context = Vertx.currentContext();
        Runnable clientGone = () -> LOG.debugf("request %s: client closed the connection, generation cancelled",
                g.requestId());
        if (g.stream()) {
            new SseRelay(g.requestId(), encoder, response, context, json, config.sse(), clientGone).start(events);
        } else {
            collect(g, encoder, response, context, events, clientGone);
        }
    }

    /**
     * A non-streamed answer: gather the text and calls in order, answer once, cancel if the client leaves first.
     * The encoder is only touched on the backend's emitting thread until the answer is built there; the event
     * loop then only writes the finished response.
     */
    private void collect(Generation g, ResponseEncoder encoder, HttpServerResponse response, Context context,
                         Multi<GenerationEvent> events, Runnable clientGone) {
        var cancellable = events.subscribe().with(
                event -> {
                    if (event instanceof GenerationEvent.Token t) {
                        encoder.collectText(t.text());
                    } else if (event instanceof GenerationEvent.ToolCall call) {
                        encoder.collectCall(call);
                    } else if (event instanceof GenerationEvent.Finished f) {
                        Response answer = encoder.response(f);
                        context.runOnContext(v -> respond(response, g, answer));
                    }
                },
                failure -> context.runOnContext(v -> edge.reject(response, g.requestId(),
                        ErrorRenderer.classify(failure))));
        response.closeHandler(v -> {
            if (!response.ended()) {
                cancellable.cancel();
                clientGone.run();
            }
        });
    }

    private void respond(HttpServerResponse response, Generation g, Response answer) {
        if (response.ended() || response.closed()) {
            return;
        }
        try {
            response.putHeader("content-type", "application/json")
                    .putHeader("x-request-id", g.requestId())
                    .end(json.writeValueAsString(answer));
        } catch (JsonProcessingException e) {
            edge.reject(response, g.requestId(), new GatewayException.Internal(e));
        }
    }

    /** A refusal before anything was generated: counted as a rejected chat generation, answered as OpenAI's error. */
    private void reject(RoutingContext ctx, String requestId, GatewayException e) {
        metrics.rejected("chat", config.mode().name().toLowerCase(Locale.ROOT), e.code());
        edge.reject(ctx.response(), requestId, e);
    }
}
