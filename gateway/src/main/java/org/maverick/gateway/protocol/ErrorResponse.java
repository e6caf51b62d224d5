package org.maverick.gateway.protocol;

/** OpenAI's error body: {@code {"error":{"message","type","param","code"}}}; absent values are JSON null. */
public record ErrorResponse(Error error) {

    public record Error(String message, String type, String param, String code) {
    }
}
