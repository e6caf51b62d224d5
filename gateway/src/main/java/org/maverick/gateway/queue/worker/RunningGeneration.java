package org.maverick.gateway.queue.worker;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.smallrye.mutiny.subscription.Cancellable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.maverick.gateway.admission.Admission;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.queue.Continuation;
import org.maverick.gateway.queue.EventPublisher;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.prompt.TokenCounter;

import java.util.concurrent.ScheduledFuture;

/**
 * One generation this worker runs for one request record: its engine call, the publisher of its
 * events, its span, its admission permit and its grace timer. Tokens and the final event go from the
 * engine's thread straight to the publisher; the end itself is reported to a {@link Listener}, which
 * hands it to the poll thread. Everything else is poll thread only.
 *
 * <p>Invariant: it ends once ({@link #end} or {@link #abandon}); after that its permit is released,
 * its span ended, its grace timer cancelled and its publisher writes nothing more.
 */
final class RunningGeneration {

    /** Told on an engine thread how the generation ended; hands the news to the poll thread. */
    interface Listener {
        /** The final event was sent. */
        void finished(RunningGeneration g);

        void failed(RunningGeneration g, Throwable failure);
    }

    final ConsumerRecord<String, byte[]> record;
    final Generation generation;
    /** The prompt tokens of the request itself (a continued attempt's prompt also holds the text already sent). */
    final int originalPromptTokens;
    final Continuation previous;
    final EventPublisher publisher;
    final String replyTopic;
    final int attempt;
    private final Span span;
    private final Admission.Permit permit;
    private volatile Cancellable subscription;
    private volatile boolean ended;
    private volatile boolean anyToken;
    private volatile int completionTokens;
    private ScheduledFuture<?> graceTimer;

    RunningGeneration(ConsumerRecord<String, byte[]> record, Generation generation, int originalPromptTokens,
                      Continuation previous, EventPublisher publisher, String replyTopic, int attempt, Span span,
                      Admission.Permit permit) {
        this.record = record;
        this.span = span;
        this.permit = permit;
        this.generation = generation;
        this.originalPromptTokens = originalPromptTokens;
        this.previous = previous;
        this.publisher = publisher;
        this.replyTopic = replyTopic;
        this.attempt = attempt;
    }

    String id() {
        return generation.requestId();
    }

    TopicPartition partition() {
        return new TopicPartition(record.topic(), record.partition());
    }

    /** Calls the engine; usage in the final event counts the text earlier attempts sent as well. */
    void start(Backend engine, TokenCounter tokens, Listener listener) {
        if (ended) {
            // Cancelled (or handed over) between being taken and its engine call: it is never opened,
            // so Triton never starts a generation whose client already left.
            return;
        }
        subscription = publisher.guard(engine.generate(generation)).subscribe().with(
                event -> {
                    if (event instanceof GenerationEvent.Token t) {
                        anyToken = true;
                        publisher.token(t.text(), t.tokensSoFar());
                    } else if (event instanceof GenerationEvent.ToolCall c) {
                        anyToken = true;
                        publisher.toolCall(c);
                    } else if (event instanceof GenerationEvent.Finished f) {
                        int completion = f.usage().completionTokens() + previous.tokens(tokens);
                        // previous.tokens: the engine's counts its events carried, as usage counts them
                        completionTokens = f.usage().completionTokens();
                        publisher.finish(f.reason().wire(), new UsageDto(originalPromptTokens, completion,
                                originalPromptTokens + completion));
                        listener.finished(this);
                    }
                },
                failure -> listener.failed(this, failure));
    }

    boolean ended() {
        return ended;
    }

    /** Whether the engine sent any token (before that, a refusal can be retried without the client noticing). */
    boolean anyToken() {
        return anyToken;
    }

    /** Cancels the engine call (freeing its slot); events already sent stay sent. */
    void stopEngine() {
        Cancellable s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    /**
     * Ends it as {@code state} (a {@link Messages.Status} state): the permit gets back the output tokens
     * not generated, the span records the outcome. False when it had already ended.
     */
    boolean end(String state) {
        if (ended) {
            return false;
        }
        ended = true;
        if (graceTimer != null) {
            graceTimer.cancel(false);
        }
        if (permit != null) {
            permit.release(completionTokens);
        }
        span.setAttribute("maverick.outcome", state);
        if (!Messages.Status.FINISHED.equals(state)) {
            span.setStatus(StatusCode.ERROR, state);
        }
        span.end();
        return true;
    }

    /**
     * Stops it without a terminal event or status: another attempt (this worker's retry, or the new
     * owner of the partition) continues the request.
     */
    void abandon() {
        ended = true;
        if (permit != null) {
            permit.release(0);
        }
        span.setAttribute("maverick.outcome", "handed_over");
        span.end();
        if (graceTimer != null) {
            graceTimer.cancel(false);
        }
        stopEngine();
        publisher.abandon();
    }

    /** Whether a grace period runs (the client left; it is cancelled unless the client comes back first). */
    boolean graceRunning() {
        return graceTimer != null;
    }

    void graceStarted(ScheduledFuture<?> timer) {
        graceTimer = timer;
    }

    /** The client came back: the grace period stops. */
    void graceStopped() {
        if (graceTimer != null) {
            graceTimer.cancel(false);
            graceTimer = null;
        }
    }
}
