package org.maverick.standin;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.ForwardingServerCall;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;

/**
 * Continues the caller's trace like Triton in OpenTelemetry trace mode does: the W3C
 * {@code traceparent}/{@code tracestate} of the call's metadata become the parent of one server span
 * per call. The stand-in keeps its most recent spans in memory ({@link #finished()}) so that tests
 * can check that one trace id spans every hop; it exports nowhere else.
 */
final class Tracing implements ServerInterceptor {

    private static final int KEEP = 1024;
    private static final TextMapGetter<Metadata> METADATA = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata md) {
            return md.keys();
        }

        @Override
        public String get(Metadata md, String key) {
            return md == null ? null : md.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
    };

    private final Deque<SpanData> finished = new ArrayDeque<>();
    private final SdkTracerProvider provider;
    private final io.opentelemetry.api.trace.Tracer tracer;

    Tracing() {
        provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new Keep())).build();
        tracer = provider.get("org.maverick.standin");
    }

    /** The most recent finished spans (at most {@value #KEEP}), oldest first. */
    synchronized List<SpanData> finished() {
        return new ArrayList<>(finished);
    }

    synchronized void clear() {
        finished.clear();
    }

    void close() {
        provider.close();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, METADATA);
        String method = call.getMethodDescriptor().getFullMethodName();
        Span span = tracer.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute("rpc.system", "grpc")
                .setAttribute("rpc.method", call.getMethodDescriptor().getBareMethodName())
                .setAttribute("maverick.standin", true)
                .startSpan();
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        ServerCall<Q, R> traced = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (ended.compareAndSet(false, true)) {
                    if (!status.isOk()) {
                        span.setStatus(StatusCode.ERROR, status.getCode().name());
                    }
                    span.end();
                }
                super.close(status, trailers);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(traced, headers)) {
            @Override
            public void onCancel() {
                if (ended.compareAndSet(false, true)) {
                    span.setAttribute("rpc.cancelled", true);
                    span.end();
                }
                super.onCancel();
            }
        };
    }

    /** Keeps finished spans, bounded. */
    private final class Keep implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            synchronized (Tracing.this) {
                for (SpanData s : spans) {
                    if (finished.size() == KEEP) {
                        finished.removeFirst();
                    }
                    finished.addLast(s);
                }
            }
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
