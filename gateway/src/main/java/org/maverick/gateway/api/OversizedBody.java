package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;

/**
 * A request body over {@code gateway.limits.max-body-bytes}: answered with 413 and OpenAI's error JSON
 * ({@code request_too_large}) as soon as that is known (a declared Content-Length over the limit, or a
 * chunked body crossing it), while the client may still be sending; then the rest of the body is read
 * and dropped, at most {@code gateway.limits.discard-bytes} and {@code gateway.limits.discard-time},
 * and the connection is closed (the 413 says {@code Connection: close}).
 *
 * <p>Why read on instead of closing at once: many clients (Python's http.client, several SDKs) write
 * the whole body before they read. Closed on, they block in their write and then see a reset, not the
 * answer: a socket closed with unread data makes the kernel send RST, and the peer drops what it had
 * not read yet. nginx does the same for its 413 (a bounded "lingering close").
 *
 * <p>Threading: on the request's event loop only; the drop is a counting data handler and a timer.
 */
final class OversizedBody {

    private final long maxBodyBytes;
    private final long discardBytes;
    private final long discardMillis;
    private final ObjectMapper json;

    OversizedBody(GatewayConfig.Limits limits, ObjectMapper json) {
        this.maxBodyBytes = limits.maxBodyBytes();
        this.discardBytes = limits.discardBytes();
        this.discardMillis = Math.max(1, limits.discardTime().toMillis());
        this.json = json;
    }

    /**
     * First handler of a route with a body, ordered before Quarkus's own size check (route order -2),
     * which would answer an over-long Content-Length with an empty 413 and close at once: a declared
     * length over the limit is refused here before a byte of the body is read. A chunked body is counted
     * by Vert.x's BodyHandler further on, whose 413 reaches {@link #refuse} through the failure handler.
     */
    void checkDeclaredLength(RoutingContext ctx) {
        String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && over(declared.trim())) {
            refuse(ctx);
        } else {
            ctx.next();
        }
    }

    private boolean over(String declared) {
        try {
            return Long.parseLong(declared) > maxBodyBytes;
        } catch (NumberFormatException malformed) {
            // Netty refuses a malformed Content-Length before routing; more digits than a long is over any limit.
            return !declared.isEmpty() && declared.chars().allMatch(Character::isDigit);
        }
    }

    /** Answers 413 now, then drops the rest of the body within the bounds and closes the connection. */
    void refuse(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        GatewayException e = new GatewayException.PayloadTooLarge("The request body is larger than the limit of "
                + maxBodyBytes + " bytes.");
        ErrorRenderer.log("-", e, false);
        if (!response.headWritten()) {
            response.putHeader("x-request-id", "-");
        }
        if (request.version() == HttpVersion.HTTP_2) {
            // One stream of a shared connection: answering ends it (Vert.x resets the rest of its body);
            // the connection and its other streams go on.
            ErrorRenderer.respond(response, json, e);
            return;
        }
        response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        if (request.isEnded()) {
            response.endHandler(v -> request.connection().close());
            ErrorRenderer.respond(response, json, e);
            return;
        }
        long[] dropped = {0};
        long timer = ctx.vertx().setTimer(discardMillis, id -> request.connection().close());
        request.handler(chunk -> {
            dropped[0] += chunk.length();
            if (dropped[0] > discardBytes) {
                ctx.vertx().cancelTimer(timer);
                request.connection().close();
            }
        });
        request.endHandler(v -> {
            // All of it came: close now (the 413 went first), without waiting for the timer.
            ctx.vertx().cancelTimer(timer);
            request.connection().close();
        });
        request.exceptionHandler(t -> ctx.vertx().cancelTimer(timer));
        ErrorRenderer.respond(response, json, e);
        request.resume();
    }
}
