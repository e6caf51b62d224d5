package org.maverick.standin;

/** A request refused with a Triton-style message; becomes an error_message (stream) or a status (unary). */
final class RequestError extends Exception {

    RequestError(String message) {
        super(message, null, false, false);
    }
}
