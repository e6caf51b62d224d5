package org.maverick.standin;

import com.google.protobuf.ByteString;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcService.InferParameter;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferRequest.InferInputTensor;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelStreamInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A small test client speaking Triton's gRPC protocol to the stand-in, as the gateway would. */
final class TritonClient implements AutoCloseable {

    final ManagedChannel channel;
    final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking;

    TritonClient(int port) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        blocking = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    Stream open() {
        Stream s = new Stream();
        GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(s);
        return s;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }

    /** One ModelStreamInfer call; responses queue up, the end status completes {@link #status}. */
    static final class Stream implements ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse> {
        final LinkedBlockingQueue<ModelStreamInferResponse> responses = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> status = new CompletableFuture<>();
        ClientCallStreamObserver<ModelInferRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(ModelStreamInferResponse value) {
            responses.add(value);
        }

        @Override
        public void onError(Throwable t) {
            status.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            status.complete(Status.OK);
        }

        Stream send(ModelInferRequest request) {
            requests.onNext(request);
            return this;
        }

        ModelStreamInferResponse next() throws InterruptedException {
            ModelStreamInferResponse r = responses.poll(5, TimeUnit.SECONDS);
            if (r == null) {
                throw new AssertionError("no response within 5 s");
            }
            return r;
        }

        /** Responses up to and including the one flagged triton_final_response (or an error). */
        List<ModelStreamInferResponse> untilFinal() throws InterruptedException {
            List<ModelStreamInferResponse> all = new ArrayList<>();
            while (true) {
                ModelStreamInferResponse r = next();
                all.add(r);
                if (!r.getErrorMessage().isEmpty() || isFinal(r)) {
                    return all;
                }
            }
        }
    }

    static boolean isFinal(ModelStreamInferResponse r) {
        return r.getInferResponse().getParametersOrDefault("triton_final_response",
                InferParameter.getDefaultInstance()).getBoolParam();
    }

    /** Raw bytes of output {@code name}, or null when the response does not carry it. */
    static byte[] raw(ModelStreamInferResponse r, String name) {
        ModelInferResponse ir = r.getInferResponse();
        for (int i = 0; i < ir.getOutputsCount(); i++) {
            if (ir.getOutputs(i).getName().equals(name)) {
                return ir.getRawOutputContents(i).toByteArray();
            }
        }
        return null;
    }

    /** First BYTES element of output {@code name}, as raw bytes (null when absent). */
    static byte[] bytesOutput(ModelStreamInferResponse r, String name) {
        byte[] raw = raw(r, name);
        if (raw == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        byte[] element = new byte[b.getInt()];
        b.get(element);
        return element;
    }

    static String text(ModelStreamInferResponse r, String name) {
        byte[] b = bytesOutput(r, name);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static int int32(ModelStreamInferResponse r, String name) {
        return ByteBuffer.wrap(raw(r, name)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** Builds a request with inputs in raw form, like Triton's clients. */
    static final class Request {
        private final ModelInferRequest.Builder b;

        Request(String model, String id) {
            b = ModelInferRequest.newBuilder().setModelName(model).setId(id)
                    .putParameters("triton_enable_empty_final_response", InferParameter.newBuilder().setBoolParam(false).build());
        }

        Request param(String key, InferParameter value) {
            b.putParameters(key, value);
            return this;
        }

        Request emptyFinal() {
            return param("triton_enable_empty_final_response", InferParameter.newBuilder().setBoolParam(true).build());
        }

        Request string(String name, List<Long> shape, String... values) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (String v : values) {
                byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
                buf.putInt(bytes.length).put(bytes);
            }
            buf.flip();
            return input(name, "BYTES", shape, ByteString.copyFrom(buf));
        }

        Request bool(String name, List<Long> shape, boolean value) {
            return input(name, "BOOL", shape, ByteString.copyFrom(new byte[] {(byte) (value ? 1 : 0)}));
        }

        Request int32(String name, List<Long> shape, int value) {
            return input(name, "INT32", shape,
                    ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array()));
        }

        Request uint64(String name, List<Long> shape, long value) {
            return input(name, "UINT64", shape,
                    ByteString.copyFrom(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array()));
        }

        Request input(String name, String datatype, List<Long> shape, ByteString raw) {
            b.addInputs(InferInputTensor.newBuilder().setName(name).setDatatype(datatype).addAllShape(shape));
            b.addRawInputContents(raw);
            return this;
        }

        ModelInferRequest build() {
            return b.build();
        }
    }

    static final List<Long> ONE = List.of(1L);
    static final List<Long> ONE_ONE = List.of(1L, 1L);

    /** An llmapi request: prompt, streaming, max tokens, seed, finish reason asked for. */
    static Request llmapi(String id, String prompt, boolean stream, int maxTokens, long seed) {
        return new Request("tensorrt_llm", id)
                .string("text_input", ONE, prompt)
                .bool("streaming", ONE, stream)
                .int32("sampling_param_max_tokens", ONE, maxTokens)
                .uint64("sampling_param_seed", ONE, seed)
                .bool("return_finish_reason", ONE, true);
    }

    static Request ensemble(String id, String prompt, boolean stream, int maxTokens) {
        return new Request("ensemble", id)
                .string("text_input", ONE_ONE, prompt)
                .int32("max_tokens", ONE_ONE, maxTokens)
                .bool("stream", ONE_ONE, stream)
                .bool("return_num_input_tokens", ONE_ONE, true)
                .bool("return_num_output_tokens", ONE_ONE, true);
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
