package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.RequestIds;
import org.maverick.gateway.protocol.responses.Response;
import org.maverick.gateway.protocol.responses.ResponseSettings;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.QueuedBackend;
import org.maverick.gateway.queue.ResumeReader;
import org.maverick.gateway.responses.ResponseStore;
import org.maverick.gateway.responses.StoredResponse;
import org.maverick.kafka.Topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The stored responses of the Responses API (docs/responses.md): {@code GET /v1/responses/{id}} (with
 * {@code stream=true&starting_after=N}, a background response's events replayed and followed from Kafka),
 * {@code GET …/input_items}, {@code DELETE}, {@code POST …/cancel}. Every route authenticates as the others do and
 * shows a tenant only its own responses: another tenant's is a 404, as an unknown id is.
 */
@ApplicationScoped
public class StoredResponsesRoutes {

    private static final Logger LOG = Logger.getLogger(StoredResponsesRoutes.class);

    private final ObjectMapper json;
    private final GatewayConfig config;
    private final EdgeAuth auth;
    private final OpenAiRoutes edge;
    private final ResponseStore store;
    private final QueuedBackend queued;
    private final ResumeReader reader;

    StoredResponsesRoutes(ObjectMapper json, GatewayConfig config, EdgeAuth auth, OpenAiRoutes edge,
                          ResponseStore store, QueuedBackend queued, ResumeReader reader) {
        this.json = json;
        this.config = config;
        this.auth = auth;
        this.edge = edge;
        this.store = store;
        this.queued = queued;
        this.reader = reader;
    }

    /** Registered before {@link OpenAiRoutes}, whose catch-all {@code /v1/*} answers 404 for later routes. */
    void routes(@Observes @Priority(100) Router router) {
        router.get("/v1/responses/:id").handler(auth.step(this::refuse)).handler(this::retrieve)
                .failureHandler(edge::failure);
        router.delete("/v1/responses/:id").handler(auth.step(this::refuse)).handler(this::delete)
                .failureHandler(edge::failure);
        router.get("/v1/responses/:id/input_items").handler(auth.step(this::refuse)).handler(this::inputItems)
                .failureHandler(edge::failure);
        router.post("/v1/responses/:id/cancel").handler(auth.step(this::refuse)).handler(this::cancel)
                .failureHandler(edge::failure);
    }

    /**
     * The stored response {@code :id} of the caller's tenant, handed to {@code then} on the event loop; a 404 when
     * there is none (unknown, deleted, expired, or another tenant's: they are not told apart).
     */
    private void stored(RoutingContext ctx, BiConsumer<RoutingContext, StoredResponse> then) {
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
                    .startingAfter(startingAfter).onEnd(r -> store.awaitEnded(s.id()));
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
                queued.sendControl(s.id(), Messages.Control.CANCEL, null);
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
            List<JsonNode> items = new ArrayList<>(s.inputItems());
            if (!ascending) {
                Collections.reverse(items);
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
            queued.sendControl(s.id(), Messages.Control.CANCEL, null);
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

    private void refuse(RoutingContext ctx, GatewayException e) {
        String id = ctx.pathParam("id");
        edge.reject(ctx.response(), id == null ? RequestIds.next(RequestIds.RESPONSE) : id, e);
    }

    private void respond(HttpServerResponse response, String id, Object body) {
        ResponsesRoutes.respond(response, json, edge, id, body);
    }
}
