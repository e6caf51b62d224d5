package org.maverick.gateway.backend.triton;

import inference.GRPCInferenceServiceGrpc;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelStreamInferResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import org.jboss.logging.Logger;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.FinishReason;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.Usage;
import org.maverick.gateway.prompt.StopStrings;
import org.maverick.gateway.prompt.TextAssembler;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.telemetry.Telemetry;
import org.maverick.gateway.tools.ToolCallIds;
import org.maverick.gateway.tools.ToolCallParser;
import org.maverick.gateway.tools.StrictArguments;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs each generation as its own Triton {@code ModelStreamInfer} call (one stream per generation:
 * cancelling a stream cancels every request on it, and Triton takes one trace context per stream).
 * Cancellation uses the plain async stub's {@link ClientCallStreamObserver#cancel}, which really
 * cancels the HTTP/2 stream; the engine then frees the request's KV-cache slot.
 *
 * <p>The call goes to the {@link TritonPool}'s choice of endpoint. A call that fails before its
 * first token reached the subscriber (unreachable, {@code UNAVAILABLE}, queue full, an
 * {@code error_message}, a stream ended without a final response) is made once more on another
 * available endpoint, inside the same {@code Multi}: the subscriber sees one stream. Once a token has
 * been emitted nothing is retried, so no text is ever sent twice.
 */
@ApplicationScoped
@Typed(TritonBackend.class)
public class TritonBackend implements Backend {

    private static final Logger LOG = Logger.getLogger(TritonBackend.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private static final TextMapSetter<Metadata> METADATA = (md, key, value) ->
            md.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);

    static final String RETRIES_METRIC = "maverick.gateway.triton.retries";

    private final TritonPool pool;
    private final TokenCounter tokens;
    private final Telemetry telemetry;
    private final long deadlineMillis;
    private final Counter retries;
    private final int maxCallChars;
    private final Counter toolCallsParsed;
    private final Counter toolCallsUnparsed;
    private final Counter toolCallsDropped;
    /** Requests carrying more text than this are built on a worker thread, not on the event loop. */
    private final int inlineBuildChars;

    TritonBackend(TritonPool pool, TokenCounter tokens, Telemetry telemetry, GatewayConfig config,
                  MeterRegistry registry) {
        this.pool = pool;
        this.tokens = tokens;
        this.telemetry = telemetry;
        this.deadlineMillis = config.triton().requestTimeout().toMillis();
        this.retries = Counter.builder(RETRIES_METRIC)
                .description("Generation calls made again on another Triton endpoint after failing before their "
                        + "first token.")
                .register(registry);
        this.maxCallChars = config.tools().maxCallChars();
        this.inlineBuildChars = GatewayConfig.inlineParseBytes(config);
        String toolCalls = "maverick.gateway.tool_calls";
        this.toolCallsParsed = Counter.builder(toolCalls).tag("maverick.outcome", "parsed")
                .description("Tool calls parsed from model output; unparsed: call-like text relayed as text because "
                        + "it could not be parsed (malformed, unfinished, not matching a strict schema); dropped: "
                        + "calls past the first with parallel_tool_calls false.")
                .register(registry);
        this.toolCallsUnparsed = Counter.builder(toolCalls).tag("maverick.outcome", "unparsed").register(registry);
        this.toolCallsDropped = Counter.builder(toolCalls).tag("maverick.outcome", "dropped").register(registry);
    }

    @Override
    public boolean ready() {
        return pool.ready();
    }

    @Override
    public Multi<GenerationEvent> generate(Generation generation) {
        if (!pool.ready()) {
            return Multi.createFrom().failure(notReady());
        }
        // The trace context is taken now, where the caller made its span current; the calls start later.
        Context parent = Context.current();
        AtomicReference<TritonEndpoint> first = new AtomicReference<>();
        AtomicBoolean tokenSent = new AtomicBoolean();
        return attempt(generation, parent, 1, Set.of(), first, tokenSent)
                .onFailure(f -> !tokenSent.get() && first.get() != null && retryable(f))
                .recoverWithMulti(f -> {
                    // Only when another endpoint is available: the failed one is excluded, and with none
                    // left the caller gets the first failure as it was.
                    Set<TritonEndpoint> excluded = Set.of(first.get());
                    if (pool.endpoints().stream().noneMatch(e -> !excluded.contains(e) && e.available())) {
                        return Multi.createFrom().failure(f);
                    }
                    retries.increment();
                    LOG.debugf("request %s: failed on %s before its first token (%s); retrying on another endpoint",
                            generation.requestId(), first.get().address(), f.getMessage());
                    return attempt(generation, parent, 2, excluded, new AtomicReference<>(), tokenSent);
                });
    }

    /** One call on the pool's choice of endpoint, chosen when subscribed; records that endpoint in {@code used}. */
    private Multi<GenerationEvent> attempt(Generation generation, Context parent, int attempt,
                                           Set<TritonEndpoint> excluded, AtomicReference<TritonEndpoint> used,
                                           AtomicBoolean tokenSent) {
        return Multi.createFrom().emitter(emitter -> {
            Optional<TritonEndpoint> endpoint = pool.acquire(excluded);
            Optional<ModelContract> contract = endpoint.flatMap(TritonEndpoint::contract);
            if (contract.isEmpty()) {
                endpoint.ifPresent(TritonEndpoint::release);
                emitter.fail(notReady());
                return;
            }
            Optional<String> noImages = generation.images().isEmpty() ? Optional.empty()
                    : contract.get().imageRefusal();
            if (noImages.isPresent()) {
                // The validator refuses pictures for such a model; this guards a contract that changed since.
                endpoint.get().release();
                emitter.fail(new GatewayException.InvalidRequest("messages", "image parts cannot be served: "
                        + noImages.get(), "images_not_supported"));
                return;
            }
            used.set(endpoint.get());
            new Call(generation, endpoint.get(), contract.get(), emitter, parent, tokenSent).start(attempt);
        }, BackPressureStrategy.BUFFER);
    }

    private GatewayException notReady() {
        return new GatewayException.BackendUnavailable("The model backend is not ready: " + pool.notReadyReason(),
                RETRY_AFTER, null);
    }

    /** Failures another endpoint may not share; a deadline or an internal error is not one of them. */
    private static boolean retryable(Throwable f) {
        return f instanceof GatewayException.BackendUnavailable || f instanceof GatewayException.BackendError;
    }

    /**
     * One generation's call. gRPC delivers its callbacks one at a time; {@code onTermination} of the
     * emitter may run on any thread, which is why {@code done} is volatile and cancellation goes
     * through the thread-safe {@link ClientCallStreamObserver#cancel}.
     */
    private final class Call implements ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse>,
            ToolCallParser.Sink {
        private final Generation generation;
        private final TritonEndpoint endpoint;
        private final ModelContract contract;
        private final AtomicBoolean tokenSent;
        private final AtomicBoolean released = new AtomicBoolean();
        private final MultiEmitter<? super GenerationEvent> emitter;
        private final TextAssembler text;
        private final StringBuilder completion = new StringBuilder();
        /** Reads tool calls out of the text when the request offered tools; null otherwise (no cost per token). */
        private final ToolCallParser toolCalls;
        private int eventsEmitted;
        private volatile ClientCallStreamObserver<ModelInferRequest> call;
        private volatile boolean done;
        private int tokensSeen; // responses that carried text, for error messages
        private OptionalInt engineCompletionTokens = OptionalInt.empty();
        private OptionalInt enginePromptTokens = OptionalInt.empty();
        private Optional<String> engineFinishReason = Optional.empty();
        private final Context parent;
        private final java.util.concurrent.atomic.AtomicReference<Span> span = new java.util.concurrent.atomic.AtomicReference<>();
        private long startNanos;

        Call(Generation generation, TritonEndpoint endpoint, ModelContract contract,
             MultiEmitter<? super GenerationEvent> emitter, Context parent, AtomicBoolean tokenSent) {
            this.generation = generation;
            this.endpoint = endpoint;
            this.contract = contract;
            this.tokenSent = tokenSent;
            this.emitter = emitter;
            this.parent = parent;
            this.text = contract.kind() == ModelContract.Kind.LLMAPI
                    ? TextAssembler.cumulative(StopStrings.of(generation.stop()))
                    : TextAssembler.deltaBytes(StopStrings.of(generation.stop()));
            this.toolCalls = generation.tools().enabled()
                    ? new ToolCallParser(generation.tools(), maxCallChars, StrictArguments.of(generation.tools()), this)
                    : null;
        }

        void start(int attempt) {
            // Register the cancellation hook before the call exists, so a client that is already gone
            // when the call starts still cancels it (beforeStart runs inside modelStreamInfer).
            emitter.onTermination(this::onTermination);
            startNanos = System.nanoTime();
            Span callSpan = telemetry.tritonCallSpan(parent, endpoint.address(), attempt, contract.modelName(),
                    generation.requestId());
            span.set(callSpan);
            io.vertx.core.Context loop = io.vertx.core.Vertx.currentContext();
            if (loop != null && loop.isEventLoopContext() && TritonRequests.textChars(generation) > inlineBuildChars) {
                // A long prompt's request (its UTF-8 encoding: hundreds of microseconds for a 100K-token
                // chat) is built on a worker, as its body was parsed, and sent from this event loop.
                loop.<ModelInferRequest>executeBlocking(() -> TritonRequests.build(generation, contract), false)
                        .onComplete(built -> {
                            if (built.succeeded()) {
                                send(built.result(), callSpan);
                            } else {
                                notBuilt(built.cause());
                            }
                        });
            } else {
                send(TritonRequests.build(generation, contract), callSpan);
            }
        }

        /** Opens the call and sends its one request, on the thread that started the call (its event loop). */
        private void send(ModelInferRequest request, Span callSpan) {
            if (done) {
                return; // the subscriber left while the request was built; onTermination released the endpoint
            }
            // Triton in OpenTelemetry trace mode joins the trace from the call's metadata (one stream, one context).
            Metadata headers = new Metadata();
            telemetry.inject(parent.with(callSpan), headers, METADATA);
            GRPCInferenceServiceGrpc.newStub(endpoint.channel())
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                    .modelStreamInfer(this);
            try {
                call.onNext(request);
            } catch (IllegalStateException alreadyCancelled) {
                return; // the subscriber left while the call was starting; nothing more to do
            }
            // Pull responses only as fast as the subscriber asks for events. Register the hook first,
            // then read what is already requested: a request racing in between is counted twice,
            // which only over-requests by a bounded amount, whereas the other order could stall.
            emitter.onRequest(n -> call.request(cap(n)));
            long already = emitter.requested();
            if (already > 0) {
                call.request(cap(already));
            }
        }

        /** Building the request failed off the loop: the same failure the subscriber gets when it fails inline. */
        private void notBuilt(Throwable cause) {
            if (done) {
                return;
            }
            done = true;
            endSpan(cause.getClass().getSimpleName(), -1, null);
            release();
            emitter.fail(cause);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
            this.call = requestStream;
            requestStream.disableAutoRequestWithInitial(0);
            if (done) {
                requestStream.cancel("subscriber cancelled before the call started", null);
            }
        }

        @Override
        public void onNext(ModelStreamInferResponse message) {
            endpoint.heard();
            if (done) {
                return;
            }
            if (!message.getErrorMessage().isEmpty()) {
                fail(triton(message.getErrorMessage()), true);
                return;
            }
            ModelInferResponse r = message.getInferResponse();
            boolean emitted = false;
            try {
                boolean stopped;
                TextAssembler.Step step;
                if (contract.kind() == ModelContract.Kind.LLMAPI) {
                    step = TritonResponses.firstBytes(r, "text_output").map(text::acceptCumulative)
                            .orElse(TextAssembler.Step.NONE);
                    TritonResponses.firstString(r, "finish_reason").filter(s -> !s.isEmpty())
                            .ifPresent(s -> engineFinishReason = Optional.of(s));
                } else {
                    step = TritonResponses.firstBytes(r, "text_output").map(text::acceptDelta)
                            .orElse(TextAssembler.Step.NONE);
                    OptionalInt out = TritonResponses.firstInt(r, "num_output_tokens");
                    if (out.isPresent()) {
                        // the count is of the whole sequence so far, not of this response
                        engineCompletionTokens = OptionalInt.of(Math.max(engineCompletionTokens.orElse(0),
                                out.getAsInt()));
                    }
                    OptionalInt in = TritonResponses.firstInt(r, "num_input_tokens");
                    if (in.isPresent() && in.getAsInt() > 0) {
                        enginePromptTokens = in;
                    }
                }
                emitted = emitToken(step.delta());
                stopped = step.stopped();
                if (stopped) {
                    // A stop string completed: nothing after it may be sent, and the engine need not
                    // go on (the llmapi model usually ends by itself; the ensemble may not).
                    finishToolCalls();
                    finish(FinishReason.STOP);
                    call.cancel("stop string matched", null);
                    return;
                }
                if (TritonResponses.isFinal(r)) {
                    emitToken(text.finish().delta());
                    finishToolCalls();
                    finish(finishReason());
                    call.onCompleted();
                    return;
                }
            } catch (RuntimeException e) {
                fail(new GatewayException.BackendError("Triton sent a response the gateway cannot read: "
                        + e.getMessage(), e), true);
                return;
            }
            if (!emitted) {
                call.request(1); // nothing reached the subscriber, so its demand is still open
            }
        }

        /** Takes new text; returns whether an event reached the emitter (text may be held by the call parser). */
        private boolean emitToken(String delta) {
            if (delta.isEmpty()) {
                return false;
            }
            completion.append(delta);
            if (toolCalls == null) {
                text(delta);
                return true;
            }
            int before = eventsEmitted;
            toolCalls.accept(delta);
            return eventsEmitted > before;
        }

        @Override
        public void text(String delta) {
            sent();
            // The engine's own count so far travels with the text: a queued takeover then counts what was
            // already sent exactly as usage counts it, not with the estimating counter.
            emitter.emit(GenerationEvent.Token.counted(delta,
                    engineCompletionTokens.orElse(GenerationEvent.Token.UNCOUNTED)));
        }

        @Override
        public void call(String name, String arguments) {
            sent();
            emitter.emit(new GenerationEvent.ToolCall(toolCalls.calls() - 1, ToolCallIds.next(), name, arguments));
        }

        private void sent() {
            tokensSeen++;
            eventsEmitted++;
            // Set before emitting: from here on a failure is not retried, even if this token is still
            // buffered and the subscriber has not seen it yet.
            tokenSent.set(true);
        }

        /** The answer is complete: what the call parser still holds is decided, and counted. */
        private void finishToolCalls() {
            if (toolCalls != null) {
                toolCalls.finish();
                toolCallsParsed.increment(toolCalls.calls());
                toolCallsUnparsed.increment(toolCalls.unparsed());
                toolCallsDropped.increment(toolCalls.dropped());
            }
        }

        private FinishReason finishReason() {
            if (engineFinishReason.isPresent()) {
                return "length".equals(engineFinishReason.get()) ? FinishReason.LENGTH : FinishReason.STOP;
            }
            int produced = engineCompletionTokens.orElseGet(() -> tokens.countText(completion.toString()));
            return produced >= generation.sampling().maxTokens() ? FinishReason.LENGTH : FinishReason.STOP;
        }

        private void finish(FinishReason reason) {
            done = true;
            if (reason == FinishReason.STOP && toolCalls != null && toolCalls.calls() > 0) {
                reason = FinishReason.TOOL_CALLS;
            }
            int completionTokens;
            boolean exact;
            if (engineCompletionTokens.isPresent()) {
                completionTokens = engineCompletionTokens.getAsInt();
                exact = true;
            } else {
                completionTokens = tokens.countText(completion.toString());
                exact = tokens.exact();
            }
            int promptTokens = enginePromptTokens.orElse(generation.promptTokens());
            exact &= enginePromptTokens.isPresent() || generation.exactTokens();
            endSpan(null, completionTokens, reason.wire());
            endpoint.callSucceeded();
            release();
            emitter.emit(new GenerationEvent.Finished(reason, new Usage(promptTokens, completionTokens, exact)));
            emitter.complete();
        }

        /** Ends the client span and records the call's duration; {@code errorType} null means success. */
        private void endSpan(String errorType, int completionTokens, String finishReason) {
            Span s = span.getAndSet(null); // finish, failure and cancellation may race: end it once
            if (s == null) {
                return;
            }
            if (completionTokens >= 0) {
                s.setAttribute(Telemetry.OUTPUT_TOKENS, (long) completionTokens);
            }
            if (finishReason != null) {
                s.setAttribute(Telemetry.FINISH_REASONS, java.util.List.of(finishReason));
            }
            if (errorType != null) {
                s.setAttribute(Telemetry.ERROR_TYPE, errorType);
                s.setStatus(StatusCode.ERROR, errorType);
            }
            s.end();
            telemetry.metrics().tritonCall(contract.modelName(), System.nanoTime() - startNanos, errorType);
        }

        @Override
        public void onError(Throwable t) {
            if (done) {
                return;
            }
            Status status = Status.fromThrowable(t);
            GatewayException e;
            switch (status.getCode()) {
                case UNAVAILABLE:
                    if (tokensSeen == 0) {
                        endpoint.reportUnavailable(describe(status));
                        e = new GatewayException.BackendUnavailable("The model backend is unavailable: "
                                + describe(status), RETRY_AFTER, t);
                    } else {
                        e = new GatewayException.BackendError("The model backend broke off the stream: "
                                + describe(status), t);
                    }
                    break;
                case DEADLINE_EXCEEDED:
                    e = new GatewayException.Timeout("The generation did not finish within "
                            + Duration.ofMillis(deadlineMillis) + ".");
                    break;
                default:
                    e = new GatewayException.BackendError("The model backend failed: " + describe(status), t);
            }
            fail(e, false);
        }

        @Override
        public void onCompleted() {
            if (!done) {
                fail(new GatewayException.BackendError(
                        "The model backend ended the stream without a final response.", null), false);
            }
        }

        private GatewayException triton(String message) {
            // Triton's queue-full refusal invites a retry; every other error_message is a failed request.
            if (message.contains("Exceeds maximum queue size")) {
                return new GatewayException.BackendUnavailable("The model backend's queue is full: " + message,
                        RETRY_AFTER, null);
            }
            return new GatewayException.BackendError("The model backend rejected the request: " + message, null);
        }

        private void fail(GatewayException e, boolean cancelCall) {
            done = true;
            endSpan(e.code(), -1, null);
            if (!(e instanceof GatewayException.Timeout)) {
                endpoint.callFailed(e.getMessage());
            }
            release();
            if (cancelCall && call != null) {
                call.cancel("gateway gave up on the request", null);
            }
            emitter.fail(e);
        }

        /** Runs on completion, failure and cancellation; only cancellation still has a live call. */
        private void onTermination() {
            release();
            if (!done) {
                done = true;
                endSpan("cancelled", -1, null);
                LOG.debugf("request %s: subscriber gone, cancelling the Triton call", generation.requestId());
                if (call != null) {
                    call.cancel("client gone", null);
                }
            }
        }

        /** Frees the endpoint's in-flight slot, once, at whichever end the call has. */
        private void release() {
            if (released.compareAndSet(false, true)) {
                endpoint.release();
            }
        }
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
    }

    private static int cap(long n) {
        return (int) Math.min(n, Integer.MAX_VALUE);
    }
}
