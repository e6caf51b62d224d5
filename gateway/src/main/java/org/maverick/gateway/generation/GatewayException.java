package org.maverick.gateway.generation;

import java.time.Duration;
import java.util.Optional;

/**
 * Every failure a client can be told about. Each kind knows its HTTP status, OpenAI's error
 * {@code type}, a stable snake_case {@code code} (also the metric label) and whether it deserves a
 * warning in the log. One renderer turns it into OpenAI's error JSON, a twin into the in-stream
 * error event. Messages are written for the client: no class names, no stack traces.
 */
public abstract sealed class GatewayException extends RuntimeException {

    private final Optional<String> param;

    protected GatewayException(String message, Optional<String> param, Throwable cause) {
        super(message, cause, false, false);
        this.param = param;
    }

    public abstract int status();

    /** OpenAI's error type. */
    public abstract String type();

    /** Stable snake_case code. */
    public abstract String code();

    /** The request field at fault, when one is. */
    public Optional<String> param() {
        return param;
    }

    /** Seconds a client should wait before retrying, for statuses that invite a retry. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }

    /** Whether operators should see it as a warning (upstream trouble) rather than client error noise. */
    public boolean operatorVisible() {
        return status() >= 500;
    }

    /** The request is malformed or asks for something unsupported (400). */
    public static final class InvalidRequest extends GatewayException {
        private final String code;

        public InvalidRequest(String param, String message) {
            this(param, message, "invalid_value");
        }

        public InvalidRequest(String param, String message, String code) {
            super(message, Optional.ofNullable(param), null);
            this.code = code;
        }

        @Override
        public int status() {
            return 400;
        }

        @Override
        public String type() {
            return "invalid_request_error";
        }

        @Override
        public String code() {
            return code;
        }
    }

    /** The body is larger than allowed (413). */
    public static final class PayloadTooLarge extends GatewayException {
        public PayloadTooLarge(String message) {
            super(message, Optional.empty(), null);
        }

        @Override
        public int status() {
            return 413;
        }

        @Override
        public String type() {
            return "invalid_request_error";
        }

        @Override
        public String code() {
            return "request_too_large";
        }
    }

    /** No API key, or one the gateway does not know (401). The key itself is never echoed or logged. */
    public static final class Unauthorized extends GatewayException {
        public Unauthorized(String message) {
            super(message, Optional.empty(), null);
        }

        @Override
        public int status() {
            return 401;
        }

        @Override
        public String type() {
            return "invalid_request_error";
        }

        @Override
        public String code() {
            return "invalid_api_key";
        }
    }

    /**
     * Over a limit (429): a tenant's concurrent generations or token budget, or the gateway's
     * capacity. The message names the limit; {@code Retry-After} says when trying again makes sense.
     */
    public static final class RateLimited extends GatewayException {
        private final String type;
        private final String code;
        private final Duration retryAfter;

        public RateLimited(String type, String code, String message, Duration retryAfter) {
            super(message, Optional.empty(), null);
            this.type = type;
            this.code = code;
            this.retryAfter = retryAfter;
        }

        @Override
        public int status() {
            return 429;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public String code() {
            return code;
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.of(retryAfter);
        }
    }

    /** The requested model is not served here (404). */
    public static final class ModelNotFound extends GatewayException {
        public ModelNotFound(String model) {
            super("The model '" + model + "' does not exist or is not served by this gateway.",
                    Optional.of("model"), null);
        }

        @Override
        public int status() {
            return 404;
        }

        @Override
        public String type() {
            return "invalid_request_error";
        }

        @Override
        public String code() {
            return "model_not_found";
        }
    }

    /** No route or method here (404/405). */
    public static final class NotFound extends GatewayException {
        private final int status;

        public NotFound(int status, String message) {
            super(message, Optional.empty(), null);
            this.status = status;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public String type() {
            return "invalid_request_error";
        }

        @Override
        public String code() {
            return status == 405 ? "method_not_allowed" : "not_found";
        }
    }

    /** Triton cannot take the request: unreachable, not ready, or its queue is full (503). */
    public static final class BackendUnavailable extends GatewayException {
        private final Duration retryAfter;

        public BackendUnavailable(String message, Duration retryAfter, Throwable cause) {
            super(message, Optional.empty(), cause);
            this.retryAfter = retryAfter;
        }

        @Override
        public int status() {
            return 503;
        }

        @Override
        public String type() {
            return "service_unavailable";
        }

        @Override
        public String code() {
            return "backend_unavailable";
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.of(retryAfter);
        }
    }

    /** Triton accepted the request and then failed it, or broke the stream (502). */
    public static final class BackendError extends GatewayException {
        public BackendError(String message, Throwable cause) {
            super(message, Optional.empty(), cause);
        }

        @Override
        public int status() {
            return 502;
        }

        @Override
        public String type() {
            return "server_error";
        }

        @Override
        public String code() {
            return "backend_error";
        }
    }

    /** The generation ran past its deadline (504). */
    public static final class Timeout extends GatewayException {
        public Timeout(String message) {
            super(message, Optional.empty(), null);
        }

        @Override
        public int status() {
            return 504;
        }

        @Override
        public String type() {
            return "server_error";
        }

        @Override
        public String code() {
            return "timeout";
        }
    }

    /**
     * An error that happened elsewhere (a queue worker) and was relayed here with its status, type and
     * code, so the client learns exactly what it would have learnt from the instance that failed.
     */
    public static final class Relayed extends GatewayException {
        private final int status;
        private final String type;
        private final String code;

        public Relayed(int status, String type, String code, String message, String param) {
            super(message, Optional.ofNullable(param), null);
            this.status = status;
            this.type = type;
            this.code = code;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public String code() {
            return code;
        }
    }

    /** A bug of ours (500): the message stays generic, the cause goes to the log. */
    public static final class Internal extends GatewayException {
        public Internal(Throwable cause) {
            super("The gateway failed to process the request; the error was logged.", Optional.empty(), cause);
        }

        @Override
        public int status() {
            return 500;
        }

        @Override
        public String type() {
            return "server_error";
        }

        @Override
        public String code() {
            return "internal_error";
        }
    }
}
