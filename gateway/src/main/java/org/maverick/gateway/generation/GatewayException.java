package org.maverick.gateway.generation;

import java.time.Duration;
import java.util.Optional;

/**
 * Every failure a client can be told about. Its {@link ErrorKind} gives the HTTP status, OpenAI's
 * error {@code type}, the default snake_case {@code code} (also the metric label) and the log level;
 * a few kinds let the error name its own code or type. One renderer turns it into OpenAI's error
 * JSON, a twin into the in-stream error event. Messages are written for the client: no class names,
 * no stack traces.
 *
 * <p>The subclasses are the names callers construct and catch; they add no behaviour.
 */
public abstract sealed class GatewayException extends RuntimeException {

    private final ErrorKind kind;
    private final int status;
    private final String type;
    private final String code;
    private final Optional<String> param;
    private final Optional<Duration> retryAfter;

    private GatewayException(ErrorKind kind, int status, String type, String code, String message, String param,
                             Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = Optional.ofNullable(param);
        this.retryAfter = Optional.ofNullable(retryAfter);
    }

    private GatewayException(ErrorKind kind, String code, String message, String param, Duration retryAfter,
                             Throwable cause) {
        this(kind, kind.status(), kind.type(), code, message, param, retryAfter, cause);
    }

    private GatewayException(ErrorKind kind, String message, String param, Throwable cause) {
        this(kind, kind.defaultCode(), message, param, null, cause);
    }

    public ErrorKind kind() {
        return kind;
    }

    public int status() {
        return status;
    }

    /** OpenAI's error type. */
    public String type() {
        return type;
    }

    /** Stable snake_case code. */
    public String code() {
        return code;
    }

    /** The request field at fault, when one is. */
    public Optional<String> param() {
        return param;
    }

    /** Seconds a client should wait before retrying, for statuses that invite a retry. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    public ErrorKind.LogLevel logLevel() {
        return kind.logLevel() != null ? kind.logLevel() : ErrorKind.LogLevel.forStatus(status);
    }

    /** The request is malformed or asks for something unsupported (400). */
    public static final class InvalidRequest extends GatewayException {
        public InvalidRequest(String param, String message) {
            super(ErrorKind.INVALID_REQUEST, message, param, null);
        }

        public InvalidRequest(String param, String message, String code) {
            super(ErrorKind.INVALID_REQUEST, code, message, param, null, null);
        }
    }

    /** The body is larger than allowed (413). */
    public static final class PayloadTooLarge extends GatewayException {
        public PayloadTooLarge(String message) {
            super(ErrorKind.PAYLOAD_TOO_LARGE, message, null, null);
        }
    }

    /** No API key, or one the gateway does not know (401). The key itself is never echoed or logged. */
    public static final class Unauthorized extends GatewayException {
        public Unauthorized(String message) {
            super(ErrorKind.UNAUTHORIZED, message, null, null);
        }
    }

    /**
     * Over a limit (429): a tenant's concurrent generations or token budget, or the gateway's
     * capacity. The type names the limit, the message too; {@code Retry-After} says when trying again
     * makes sense.
     */
    public static final class RateLimited extends GatewayException {
        public RateLimited(String type, String code, String message, Duration retryAfter) {
            super(ErrorKind.RATE_LIMITED, ErrorKind.RATE_LIMITED.status(), type, code, message, null, retryAfter,
                    null);
        }
    }

    /** The requested model is not served here (404). */
    public static final class ModelNotFound extends GatewayException {
        public ModelNotFound(String model) {
            super(ErrorKind.MODEL_NOT_FOUND, "The model '" + model + "' does not exist or is not served by this "
                    + "gateway.", "model", null);
        }
    }

    /** No route (404) or no such method on it (405). */
    public static final class NotFound extends GatewayException {
        public NotFound(int status, String message) {
            this(status == 405 ? ErrorKind.METHOD_NOT_ALLOWED : ErrorKind.NOT_FOUND, status, message);
        }

        private NotFound(ErrorKind kind, int status, String message) {
            super(kind, status, kind.type(), kind.defaultCode(), message, null, null, null);
        }
    }

    /** Triton cannot take the request: unreachable, not ready, or its queue is full (503). */
    public static final class BackendUnavailable extends GatewayException {
        public BackendUnavailable(String message, Duration retryAfter, Throwable cause) {
            super(ErrorKind.BACKEND_UNAVAILABLE, ErrorKind.BACKEND_UNAVAILABLE.defaultCode(), message, null,
                    retryAfter, cause);
        }
    }

    /** Triton accepted the request and then failed it, or broke the stream (502). */
    public static final class BackendError extends GatewayException {
        public BackendError(String message, Throwable cause) {
            super(ErrorKind.BACKEND_ERROR, message, null, cause);
        }
    }

    /** The generation ran past its deadline (504). */
    public static final class Timeout extends GatewayException {
        public Timeout(String message) {
            super(ErrorKind.TIMEOUT, message, null, null);
        }
    }

    /**
     * An error that happened elsewhere (a queue worker) and was relayed here with its status, type and
     * code, so the client learns exactly what it would have learnt from the instance that failed.
     */
    public static final class Relayed extends GatewayException {
        public Relayed(int status, String type, String code, String message, String param) {
            super(ErrorKind.RELAYED, status, type, code, message, param, null, null);
        }
    }

    /** A bug of ours (500): the message stays generic, the cause goes to the log. */
    public static final class Internal extends GatewayException {
        public Internal(Throwable cause) {
            super(ErrorKind.INTERNAL, "The gateway failed to process the request; the error was logged.", null,
                    cause);
        }
    }
}
