package org.maverick.standin;

import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelStreamInferResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * One ModelStreamInfer call: any number of requests in, their responses out, demultiplexed by
 * request id. As in Triton, a refused request gets an error_message and the call stays open;
 * cancelling the call cancels every generation on it. The call completes once the client has
 * half-closed and every generation on it has ended.
 */
final class StreamCall implements StreamObserver<ModelInferRequest>, ResponseSink {

    private static final Logger LOG = Logger.getLogger(StreamCall.class);

    private final ServerCallStreamObserver<ModelStreamInferResponse> out;
    private final Admission admission;
    private final Engine engine;
    private final Set<Generation> active = ConcurrentHashMap.newKeySet();
    /** Guards out (a StreamObserver is not thread-safe) and the fields below. */
    private final Object sendLock = new Object();
    private boolean closed;
    private boolean halfClosed;
    private int responsesSent;

    StreamCall(ServerCallStreamObserver<ModelStreamInferResponse> out, Admission admission, Engine engine) {
        this.out = out;
        this.admission = admission;
        this.engine = engine;
        out.setOnCancelHandler(this::clientCancelled);
    }

    @Override
    public void onNext(ModelInferRequest request) {
        // Register before admitting, so a half-close right after this request cannot complete the call early.
        admission.admit(request, this, active::add);
    }

    @Override
    public void onError(Throwable t) {
        // The client's side failed: treat like a cancel.
        clientCancelled();
    }

    @Override
    public void onCompleted() {
        synchronized (sendLock) {
            halfClosed = true;
        }
        completeIfIdle();
    }

    @Override
    public void send(ModelStreamInferResponse response) {
        int sent;
        synchronized (sendLock) {
            if (closed) {
                return;
            }
            out.onNext(response);
            sent = ++responsesSent;
        }
        int cut = engine.faults.cutAfterResponses();
        if (cut > 0 && sent >= cut) {
            abort(Status.UNAVAILABLE.withDescription("Triton stand-in: stream cut after " + sent + " responses (fault)"));
        }
    }

    @Override
    public void abort(Status status) {
        synchronized (sendLock) {
            if (closed) {
                return;
            }
            closed = true;
            out.onError(status.asRuntimeException());
        }
        LOG.debugf("stream aborted: %s", status);
        // Off this thread: the caller may hold one generation's lock, and fail() takes another's.
        for (Generation g : active) {
            engine.scheduler.execute(g::fail);
        }
    }

    @Override
    public void ended(Generation generation) {
        active.remove(generation);
        completeIfIdle();
    }

    private void clientCancelled() {
        synchronized (sendLock) {
            closed = true;
        }
        for (Generation g : active) {
            g.cancel(false);
        }
    }

    private void completeIfIdle() {
        synchronized (sendLock) {
            if (closed || !halfClosed || !active.isEmpty()) {
                return;
            }
            closed = true;
            out.onCompleted();
        }
    }
}
