package org.maverick.standin;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The standard {@code grpc.health.v1.Health/Check}, as Triton also serves it, without pulling in
 * grpc-services: the two messages are tiny, so they are encoded by hand.
 * {@code HealthCheckRequest { string service = 1; }},
 * {@code HealthCheckResponse { ServingStatus status = 1; }} with SERVING = 1, NOT_SERVING = 2.
 * The whole server ("") and {@code inference.GRPCInferenceService} follow {@link Faults#ready()};
 * other service names answer NOT_FOUND, as grpc-java's own health service does.
 */
final class HealthService {

    static final String SERVICE = "grpc.health.v1.Health";
    private static final int SERVING = 1;
    private static final int NOT_SERVING = 2;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> CHECK = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Check"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private HealthService() {
    }

    static ServerServiceDefinition definition(Faults faults) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(CHECK, ServerCalls.asyncUnaryCall((request, out) -> {
                    String service = serviceName(request);
                    if (!service.isEmpty() && !service.equals("inference.GRPCInferenceService")) {
                        out.onError(Status.NOT_FOUND.withDescription("unknown service " + service).asRuntimeException());
                        return;
                    }
                    out.onNext(new byte[] {0x08, (byte) (faults.ready() ? SERVING : NOT_SERVING)});
                    out.onCompleted();
                }))
                .build();
    }

    /** Field 1 (tag 0x0A) of the request, if present; lengths below 128 bytes are all a service name needs. */
    static String serviceName(byte[] request) {
        int i = 0;
        while (i + 1 < request.length) {
            int tag = request[i] & 0xff;
            int len = request[i + 1] & 0xff;
            if (len > 0x7f || i + 2 + len > request.length) {
                return "";
            }
            if (tag == 0x0A) {
                return new String(request, i + 2, len, StandardCharsets.UTF_8);
            }
            i += 2 + len;
        }
        return "";
    }
}
