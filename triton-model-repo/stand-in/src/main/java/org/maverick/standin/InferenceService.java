package org.maverick.standin;

import inference.GRPCInferenceServiceGrpc;
import inference.GrpcService.ModelConfigRequest;
import inference.GrpcService.ModelConfigResponse;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelMetadataRequest;
import inference.GrpcService.ModelMetadataResponse;
import inference.GrpcService.ModelReadyRequest;
import inference.GrpcService.ModelReadyResponse;
import inference.GrpcService.ModelStreamInferResponse;
import inference.GrpcService.ServerLiveRequest;
import inference.GrpcService.ServerLiveResponse;
import inference.GrpcService.ServerMetadataRequest;
import inference.GrpcService.ServerMetadataResponse;
import inference.GrpcService.ServerReadyRequest;
import inference.GrpcService.ServerReadyResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import org.maverick.standin.repository.ModelRepositories;
import org.maverick.standin.repository.ServedModel;

/**
 * inference.GRPCInferenceService as the stand-in serves it: health, metadata and config from the
 * model repositories, inference through {@link StreamCall}. RPCs not overridden here answer
 * UNIMPLEMENTED.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    /** ServerMetadata's name; the version says plainly that this is not Triton. */
    static final String SERVER_NAME = "triton";
    static final String SERVER_VERSION = "stand-in";

    private final ModelRepositories repositories;
    private final Engine engine;
    private final Admission admission;

    InferenceService(ModelRepositories repositories, Engine engine) {
        this.repositories = repositories;
        this.engine = engine;
        this.admission = new Admission(repositories, engine);
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        reply(out, ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        readyReply(out, ServerReadyResponse.newBuilder().setReady(engine.faults.ready()).build());
    }

    /** A readiness answer, late by {@link Faults#readyDelayMillis()} (on the scheduler: no thread waits). */
    private <T> void readyReply(StreamObserver<T> out, T response) {
        long delay = engine.faults.readyDelayMillis();
        if (delay == 0) {
            reply(out, response);
        } else {
            engine.scheduler.schedule(() -> {
                try {
                    reply(out, response);
                } catch (RuntimeException callerGaveUp) {
                    // the probe's deadline passed first: its call is cancelled, nobody reads this answer
                }
            }, delay, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        boolean known = find(request.getName(), request.getVersion()).isPresent();
        readyReply(out, ModelReadyResponse.newBuilder().setReady(known && engine.faults.ready()).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        reply(out, ServerMetadataResponse.newBuilder().setName(SERVER_NAME).setVersion(SERVER_VERSION)
                .addExtensions("classification").addExtensions("model_configuration").addExtensions("parameters")
                .build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        Optional<ServedModel> model = find(request.getName(), request.getVersion());
        if (model.isEmpty()) {
            out.onError(unknownModel(request.getName()));
            return;
        }
        reply(out, model.get().metadata());
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
        Optional<ServedModel> model = find(request.getName(), request.getVersion());
        if (model.isEmpty()) {
            out.onError(unknownModel(request.getName()));
            return;
        }
        reply(out, ModelConfigResponse.newBuilder().setConfig(model.get().config()).build());
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        Optional<ServedModel> model = find(request.getModelName(), request.getModelVersion());
        if (model.isEmpty()) {
            out.onError(unknownModel(request.getModelName()));
            return;
        }
        if (model.get().decoupled()) {
            out.onError(Status.UNIMPLEMENTED
                    .withDescription("ModelInfer RPC doesn't support models with decoupled transaction policy")
                    .asRuntimeException());
            return;
        }
        admission.admit(request, new UnaryCall(out), g -> { });
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
        return new StreamCall((ServerCallStreamObserver<ModelStreamInferResponse>) out, admission, engine);
    }

    private Optional<ServedModel> find(String name, String version) {
        return repositories.find(name).filter(m -> version.isEmpty() || version.equals(m.version()));
    }

    private static RuntimeException unknownModel(String name) {
        return Status.INVALID_ARGUMENT.withDescription("Request for unknown model: '" + name + "' is not found")
                .asRuntimeException();
    }

    private static <T> void reply(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }

    /** ModelInfer on a non-decoupled model: only the final response is returned, without stream parameters. */
    private static final class UnaryCall implements ResponseSink {

        private final StreamObserver<ModelInferResponse> out;
        private boolean closed;

        UnaryCall(StreamObserver<ModelInferResponse> out) {
            this.out = out;
        }

        @Override
        public synchronized void send(ModelStreamInferResponse response) {
            if (closed) {
                return;
            }
            if (!response.getErrorMessage().isEmpty()) {
                closed = true;
                out.onError(Status.INVALID_ARGUMENT.withDescription(response.getErrorMessage()).asRuntimeException());
                return;
            }
            ModelInferResponse r = response.getInferResponse();
            if (r.getParametersOrDefault(Generation.FINAL, Generation.bool(false)).getBoolParam() && r.getOutputsCount() > 0) {
                closed = true;
                out.onNext(r.toBuilder().removeParameters(Generation.FINAL).build());
                out.onCompleted();
            }
        }

        @Override
        public synchronized void abort(Status status) {
            if (!closed) {
                closed = true;
                out.onError(status.asRuntimeException());
            }
        }

        @Override
        public void ended(Generation generation) {
        }
    }
}
