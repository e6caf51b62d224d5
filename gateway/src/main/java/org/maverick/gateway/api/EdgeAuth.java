package org.maverick.gateway.api;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.admission.ApiKeys;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.queue.ResumeTokens;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Who is calling, decided once at the edge: for an HTTP route by a step in front of its handler
 * ({@link #step}), for the realtime WebSocket when it opens ({@link #tenantAtOpen}) or by its first
 * message ({@link #tenantOfKey}). Browsers, which cannot put a key in a WebSocket's headers, trade
 * theirs for a short-lived ticket ({@link #issueTicket}) that only this class reads back.
 */
@ApplicationScoped
public class EdgeAuth {

    /** Long enough to open a socket right after asking, short enough that a leaked ticket is soon useless. */
    public static final Duration TICKET_TTL = Duration.ofSeconds(60);

    private static final String TENANT = "maverick.tenant";

    private final ApiKeys apiKeys;
    private final ResumeTokens tickets;

    EdgeAuth(ApiKeys apiKeys, ResumeTokens tickets) {
        this.apiKeys = apiKeys;
        this.tickets = tickets;
    }

    /**
     * A route step that resolves the tenant from the {@code Authorization} header, keeps it for the
     * route's handler ({@link #tenant}) and goes on; a missing or unknown key goes to {@code reject}
     * (a 401) and the route's handler never runs.
     */
    Handler<RoutingContext> step(BiConsumer<RoutingContext, GatewayException> reject) {
        return ctx -> {
            String tenant;
            try {
                tenant = apiKeys.tenantOfHeader(ctx.request().getHeader("authorization"));
            } catch (GatewayException e) {
                reject.accept(ctx, e);
                return;
            }
            ctx.put(TENANT, tenant);
            ctx.next();
        };
    }

    /** The tenant the route's {@link #step} resolved. */
    static String tenant(RoutingContext ctx) {
        String tenant = ctx.get(TENANT);
        if (tenant == null) {
            // A route registered without the step: failing loudly beats serving it unauthenticated.
            throw new IllegalStateException("route " + ctx.request().path() + " has no authentication step");
        }
        return tenant;
    }

    /**
     * The tenant known when the WebSocket opens: from a {@code ticket} query parameter (browsers) or an
     * Authorization header (other clients). Empty when neither authenticates: the client may still
     * authenticate with its first message, so a bad header is not an error yet.
     */
    public Optional<String> tenantAtOpen(String query, String authorization) {
        if (!apiKeys.enabled()) {
            return Optional.of(ApiKeys.ANONYMOUS);
        }
        String ticket = query == null ? null : new QueryStringDecoder("?" + query).parameters()
                .getOrDefault("ticket", List.of()).stream().findFirst().orElse(null);
        if (ticket != null) {
            return tickets.verifyTicket(ticket);
        }
        if (authorization != null) {
            try {
                return Optional.of(apiKeys.tenantOfHeader(authorization));
            } catch (GatewayException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The tenant of a bare key (the WebSocket's auth message), or a 401. */
    public String tenantOfKey(String key) {
        return apiKeys.tenantOfKey(key);
    }

    /** A ticket that opens the realtime WebSocket as {@code tenant} within {@link #TICKET_TTL}. */
    String issueTicket(String tenant) {
        return tickets.issueTicket(tenant, TICKET_TTL);
    }
}
