package org.maverick.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerResponse;
import org.jboss.logging.Logger;
import org.maverick.gateway.protocol.ErrorResponse;
import org.maverick.gateway.generation.GatewayException;

/**
 * Renders a {@link GatewayException} as OpenAI's error JSON: as an HTTP response before a stream
 * has started, or as the stream's final SSE event after. Also the one place errors are logged.
 */
public final class ErrorRenderer {

    private static final Logger LOG = Logger.getLogger(ErrorRenderer.class);

    private ErrorRenderer() {
    }

    public static GatewayException classify(Throwable t) {
        return t instanceof GatewayException g ? g : new GatewayException.Internal(t);
    }

    /** The {@code error} object of OpenAI's error JSON, shared by the HTTP body and the WebSocket error event. */
    public static ErrorResponse.Error wire(GatewayException e) {
        return new ErrorResponse.Error(e.getMessage(), e.type(), e.param().orElse(null), e.code());
    }

    public static String body(ObjectMapper json, GatewayException e) {
        ErrorResponse body = new ErrorResponse(wire(e));
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    static void respond(HttpServerResponse response, ObjectMapper json, GatewayException e) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(e.status())
                .putHeader("content-type", "application/json");
        e.retryAfter().ifPresent(d -> response.putHeader("retry-after", Long.toString(Math.max(1, d.toSeconds()))));
        response.end(body(json, e));
    }

    /** The final event of a stream that fails after it started. */
    static String event(ObjectMapper json, GatewayException e) {
        return "data: " + body(json, e) + "\n\n";
    }

    public static void log(String requestId, GatewayException e, boolean streaming) {
        switch (e.logLevel()) {
            case ERROR -> LOG.errorf(e.getCause(), "request %s failed: %s", requestId, e.getMessage());
            case WARN -> LOG.warnf("request %s failed%s: %s %s", requestId, streaming ? " mid-stream" : "", e.code(),
                    e.getMessage());
            case DEBUG -> LOG.debugf("request %s refused: %s %s (param %s)", requestId, e.code(), e.getMessage(),
                    e.param().orElse("-"));
        }
    }
}
