package org.maverick.gateway.generation;

/**
 * The kinds of failure a client can be told about, as data: the HTTP status, OpenAI's error
 * {@code type}, the stable snake_case {@code code} (also the metric label) unless an error names a
 * more specific one, and how loudly it is logged. {@link GatewayException}'s subclasses each pass one.
 */
public enum ErrorKind {

    INVALID_REQUEST(400, "invalid_request_error", "invalid_value", LogLevel.DEBUG),
    UNAUTHORIZED(401, "invalid_request_error", "invalid_api_key", LogLevel.DEBUG),
    MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found", LogLevel.DEBUG),
    NOT_FOUND(404, "invalid_request_error", "not_found", LogLevel.DEBUG),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", LogLevel.DEBUG),
    PAYLOAD_TOO_LARGE(413, "invalid_request_error", "request_too_large", LogLevel.DEBUG),
    /** The type names the limit ({@code requests} or {@code tokens}); this is the default. */
    RATE_LIMITED(429, "requests", "rate_limit_exceeded", LogLevel.DEBUG),
    /** A bug of ours: logged as an error with its cause. */
    INTERNAL(500, "server_error", "internal_error", LogLevel.ERROR),
    BACKEND_ERROR(502, "server_error", "backend_error", LogLevel.WARN),
    BACKEND_UNAVAILABLE(503, "service_unavailable", "backend_unavailable", LogLevel.WARN),
    TIMEOUT(504, "server_error", "timeout", LogLevel.WARN),
    /**
     * An error that happened on another instance (a queue worker): its status, type and code travel
     * with it, so this kind has none of its own, and it is logged by its status.
     */
    RELAYED(0, null, null, null);

    /** How loudly an error is logged: client mistakes are noise, upstream trouble is for operators. */
    public enum LogLevel {
        DEBUG, WARN, ERROR;

        /** For an error known only by its status: 5xx is the operators' business. */
        public static LogLevel forStatus(int status) {
            return status >= 500 ? WARN : DEBUG;
        }
    }

    private final int status;
    private final String type;
    private final String defaultCode;
    private final LogLevel logLevel;

    ErrorKind(int status, String type, String defaultCode, LogLevel logLevel) {
        this.status = status;
        this.type = type;
        this.defaultCode = defaultCode;
        this.logLevel = logLevel;
    }

    /** The HTTP status; 0 for {@link #RELAYED}, whose errors carry their own. */
    public int status() {
        return status;
    }

    /** OpenAI's error type; null for {@link #RELAYED}. */
    public String type() {
        return type;
    }

    /** The code of an error that names no more specific one; null for {@link #RELAYED}. */
    public String defaultCode() {
        return defaultCode;
    }

    /** Null for {@link #RELAYED}, which is logged by the status it carries. */
    public LogLevel logLevel() {
        return logLevel;
    }
}
