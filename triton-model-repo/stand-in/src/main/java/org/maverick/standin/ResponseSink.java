package org.maverick.standin;

import inference.GrpcService.ModelStreamInferResponse;
import io.grpc.Status;

/** Where a generation's responses go: a ModelStreamInfer call, or a unary ModelInfer. */
interface ResponseSink {

    /** Sends one message; ignored once the call is closed. */
    void send(ModelStreamInferResponse response);

    /** Ends the whole call with a gRPC status (every generation on it is failed). */
    void abort(Status status);

    /** The generation ended (any way) and no longer sends. */
    void ended(Generation generation);
}
