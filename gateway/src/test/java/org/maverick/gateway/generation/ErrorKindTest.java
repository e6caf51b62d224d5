package org.maverick.gateway.generation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.maverick.gateway.generation.ErrorKind.LogLevel;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The error kinds as clients see them: status, OpenAI type and code are a public contract (SDKs
 * branch on them, dashboards count by code), so they are pinned here value by value.
 */
class ErrorKindTest {

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            "INVALID_REQUEST,     400, invalid_request_error, invalid_value,       DEBUG",
            "UNAUTHORIZED,        401, invalid_request_error, invalid_api_key,     DEBUG",
            "MODEL_NOT_FOUND,     404, invalid_request_error, model_not_found,     DEBUG",
            "NOT_FOUND,           404, invalid_request_error, not_found,           DEBUG",
            "METHOD_NOT_ALLOWED,  405, invalid_request_error, method_not_allowed,  DEBUG",
            "PAYLOAD_TOO_LARGE,   413, invalid_request_error, request_too_large,   DEBUG",
            "RATE_LIMITED,        429, requests,              rate_limit_exceeded, DEBUG",
            "INTERNAL,            500, server_error,          internal_error,      ERROR",
            "BACKEND_ERROR,       502, server_error,          backend_error,       WARN",
            "BACKEND_UNAVAILABLE, 503, service_unavailable,   backend_unavailable, WARN",
            "TIMEOUT,             504, server_error,          timeout,             WARN",
            "RELAYED,             0,   -,                     -,                   -"})
    void theTable(ErrorKind kind, int status, String type, String code, LogLevel level) {
        assertEquals(status, kind.status());
        assertEquals(type, kind.type());
        assertEquals(code, kind.defaultCode());
        assertEquals(level, kind.logLevel());
    }

    @Test
    void theTableHasEveryKind() {
        assertEquals(12, ErrorKind.values().length, "a new kind needs its row above");
    }

    private static final Duration WAIT = Duration.ofSeconds(2);

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of(new GatewayException.InvalidRequest("temperature", "temperature must be at most 2"),
                        ErrorKind.INVALID_REQUEST, 400, "invalid_request_error", "invalid_value", "temperature",
                        LogLevel.DEBUG, null),
                Arguments.of(new GatewayException.InvalidRequest(null, "not JSON", "invalid_json"),
                        ErrorKind.INVALID_REQUEST, 400, "invalid_request_error", "invalid_json", null,
                        LogLevel.DEBUG, null),
                Arguments.of(new GatewayException.Unauthorized("Incorrect API key provided."),
                        ErrorKind.UNAUTHORIZED, 401, "invalid_request_error", "invalid_api_key", null,
                        LogLevel.DEBUG, null),
                Arguments.of(new GatewayException.ModelNotFound("gpt-4"),
                        ErrorKind.MODEL_NOT_FOUND, 404, "invalid_request_error", "model_not_found", "model",
                        LogLevel.DEBUG, null),
                Arguments.of(new GatewayException.NotFound(404, "Unknown endpoint"),
                        ErrorKind.NOT_FOUND, 404, "invalid_request_error", "not_found", null, LogLevel.DEBUG, null),
                Arguments.of(new GatewayException.NotFound(405, "Request failed with status 405"),
                        ErrorKind.METHOD_NOT_ALLOWED, 405, "invalid_request_error", "method_not_allowed", null,
                        LogLevel.DEBUG, null),
                Arguments.of(new GatewayException.PayloadTooLarge("too large"),
                        ErrorKind.PAYLOAD_TOO_LARGE, 413, "invalid_request_error", "request_too_large", null,
                        LogLevel.DEBUG, null),
                Arguments.of(new GatewayException.RateLimited("tokens", "rate_limit_exceeded", "over budget", WAIT),
                        ErrorKind.RATE_LIMITED, 429, "tokens", "rate_limit_exceeded", null, LogLevel.DEBUG, WAIT),
                Arguments.of(new GatewayException.RateLimited("requests", "capacity_exceeded", "full", WAIT),
                        ErrorKind.RATE_LIMITED, 429, "requests", "capacity_exceeded", null, LogLevel.DEBUG, WAIT),
                Arguments.of(new GatewayException.Internal(new IllegalStateException("bug")),
                        ErrorKind.INTERNAL, 500, "server_error", "internal_error", null, LogLevel.ERROR, null),
                Arguments.of(new GatewayException.BackendError("stream broke", null),
                        ErrorKind.BACKEND_ERROR, 502, "server_error", "backend_error", null, LogLevel.WARN, null),
                Arguments.of(new GatewayException.BackendUnavailable("not ready", WAIT, null),
                        ErrorKind.BACKEND_UNAVAILABLE, 503, "service_unavailable", "backend_unavailable", null,
                        LogLevel.WARN, WAIT),
                Arguments.of(new GatewayException.Timeout("past its deadline"),
                        ErrorKind.TIMEOUT, 504, "server_error", "timeout", null, LogLevel.WARN, null),
                Arguments.of(new GatewayException.Relayed(504, "server_error", "expired", "waited too long", null),
                        ErrorKind.RELAYED, 504, "server_error", "expired", null, LogLevel.WARN, null),
                Arguments.of(new GatewayException.Relayed(499, "invalid_request_error", "cancelled", "cancelled",
                        "id"), ErrorKind.RELAYED, 499, "invalid_request_error", "cancelled", "id", LogLevel.DEBUG,
                        null),
                Arguments.of(new GatewayException.Relayed(500, "server_error", "internal_error", "worker bug", null),
                        ErrorKind.RELAYED, 500, "server_error", "internal_error", null, LogLevel.WARN, null));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void eachErrorReadsAsItsKind(GatewayException e, ErrorKind kind, int status, String type, String code,
                                 String param, LogLevel level, Duration retryAfter) {
        assertEquals(kind, e.kind());
        assertEquals(status, e.status());
        assertEquals(type, e.type());
        assertEquals(code, e.code());
        assertEquals(Optional.ofNullable(param), e.param());
        assertEquals(level, e.logLevel());
        assertEquals(Optional.ofNullable(retryAfter), e.retryAfter());
    }

    @Test
    void everyKindIsUsedByAnError() {
        Set<ErrorKind> used = errors().map(a -> ((GatewayException) a.get()[0]).kind())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(ErrorKind.class)));
        assertEquals(EnumSet.allOf(ErrorKind.class), used);
    }
}
