package org.maverick.gateway.queue;


import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.FinishReason;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.Usage;
import org.maverick.gateway.telemetry.RepeatedWarnings;
import org.maverick.gateway.telemetry.Telemetry;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a generation through Kafka: the request goes to the requests topic (key = request id), any
 * instance's queue worker ({@code queue.worker.Worker}) runs it, and its events come back on this instance's reply topic through
 * the {@link ReplyRouter}. The subscriber leaving does not cancel at once: it tells the worker the
 * client is gone, and the worker cancels after the resume grace period unless the client comes back.
 */
@ApplicationScoped
@Typed(QueuedBackend.class)
public class QueuedBackend implements Backend {

    private static final Logger LOG = Logger.getLogger(QueuedBackend.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    static final TextMapSetter<Headers> HEADERS = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };

    private final KafkaQueue queue;
    private final ReplyRouter router;
    private final ResumeTokens resumeTokens;
    private final ObjectMapper json;
    private final GatewayConfig.Queue config;
    private final Telemetry telemetry;
    private final PrevalidatedRequests prevalidated;
    private final RepeatedWarnings warnings = new RepeatedWarnings();
    private final ClientHolders holders;

    QueuedBackend(KafkaQueue queue, ReplyRouter router, ResumeTokens resumeTokens, ObjectMapper json,
                  GatewayConfig config, Telemetry telemetry, PrevalidatedRequests prevalidated, ClientHolders holders) {
        this.holders = holders;
        this.prevalidated = prevalidated;
        this.queue = queue;
        this.router = router;
        this.resumeTokens = resumeTokens;
        this.json = json;
        this.config = config.queue();
        this.telemetry = telemetry;
    }

    @Override
    public boolean ready() {
        return queue.ready();
    }

    @Override
    public Multi<GenerationEvent> generate(Generation g) {
        if (!queue.enabled()) {
            return Multi.createFrom().failure(new GatewayException.InvalidRequest(null,
                    "Queued mode is not enabled on this gateway.", "queue_disabled"));
        }
        if (!queue.ready()) {
            LOG.debugf("request %s refused: %s", g.requestId(), queue.notReadyReason());
            return Multi.createFrom().failure(new GatewayException.BackendUnavailable(
                    "The request queue is unavailable; retry shortly.", RETRY_AFTER, null));
        }
        Context parent = Context.current(); // the generation's span, current while generate() runs
        return Multi.createFrom().emitter(emitter -> submit(g, emitter, parent), BackPressureStrategy.BUFFER);
    }

    private void submit(Generation g, MultiEmitter<? super GenerationEvent> emitter, Context parent) {
        String id = g.requestId();
        long now = System.currentTimeMillis();
        AtomicBoolean finished = new AtomicBoolean();
        byte[] value = requestBody(g, now);
        if (value.length > queue.maxRecordBytes()) {
            // Refused before anything is published or streamed (this is the first signal, so the client
            // gets a plain 413): the producer would fail it after the client's 200.
            emitter.fail(new GatewayException.PayloadTooLarge("The request is " + value.length + " bytes in its "
                    + "queued form, more than the " + queue.maxRecordBytes() + " bytes a queued request may have "
                    + "(kafka.max.request.size, or the requests topic's max.message.bytes); send fewer or smaller images, or use direct mode."));
            return;
        }
        // Emitted before the sink exists, so it is always the first event (the router thread emits the rest).
        emitter.emit(new GenerationEvent.Queued(resumeTokens.issue(new ResumeTokens.Location(id, queue.replyTopic(), 0,
                now - 1000, g.kind() == Generation.Kind.CHAT ? "chat" : "completion", g.includeUsage()))));
        // Register the pending reply before sending: a fast worker could answer before anybody listens.
        // the router calls this on its thread, one event at a time
        router.register(id, new ReplyRouter.Sink() {
            @Override
            public void event(Messages.Event event, long offset) {
                relayEvent(emitter, finished, event, offset);
            }

            @Override
            public void outage(GatewayException failure) {
                if (finished.compareAndSet(false, true)) {
                    emitter.fail(failure);
                    // The client was told it failed: should the request run after all (it reached Kafka, or
                    // runs on a worker whose Kafka is fine), it must stop; sent once Kafka is back.
                    sendControl(id, Messages.Control.CANCEL, null);
                }
            }
        });
        // Listed in this instance's owner heartbeats while the client is here: if this instance dies,
        // the worker sees the listing stop and cancels the generation nobody reads.
        holders.hold(id);
        emitter.onTermination(() -> {
            holders.release(id);
            router.unregister(id);
            if (finished.compareAndSet(false, true)) {
                clientGone(id);
            }
        });
        ProducerRecord<String, byte[]> record = requestRecord(g, value, queue.replyTopic());
        // The worker continues this trace from the record's headers (W3C traceparent/tracestate).
        Span publish = startPublish(parent, id, record);
        try {
            queue.requestProducer().send(record, (metadata, error) -> {
                endPublish(publish, metadata, error);
                if (error != null && finished.compareAndSet(false, true)) {
                    router.unregister(id);
                    warnings.log(error.getClass().getName(), "request " + id + ": could not queue: "
                            + KafkaQueue.rootMessage(error), LOG::warn);
                    emitter.fail(new GatewayException.BackendUnavailable("The request queue is unavailable; retry "
                            + "shortly.", RETRY_AFTER, error));
                    if (!(error instanceof KafkaSender.Refused)) {
                        // It reached the producer and its delivery timed out: the broker may have written it
                        // all the same (an acknowledgement lost). The client has its 503; a worker that reads
                        // the request later must not run it for nobody.
                        sendControl(id, Messages.Control.CANCEL, null);
                    }
                }
            });
        } catch (RuntimeException e) {
            publish.setStatus(StatusCode.ERROR, KafkaQueue.rootMessage(e));
            publish.end();
            finished.set(true);
            router.unregister(id);
            emitter.fail(new GatewayException.BackendUnavailable("The request queue is unavailable; retry shortly.",
                    RETRY_AFTER, e));
        }
    }

    /**
     * Publishes a generation that nobody waits for on this instance (a background response): its events go to
     * {@code replyTopic}, read by whoever follows them ({@link ResumeReader#follow}); no instance holds its client,
     * so it is never cancelled for a client that left, only by a {@code cancel}. Completes when the broker has it.
     * {@code parent} is the trace the run belongs to (the request that started it): the worker continues it.
     */
    public io.smallrye.mutiny.Uni<Void> publish(Generation g, String replyTopic, Context parent) {
        if (!queue.ready()) {
            return io.smallrye.mutiny.Uni.createFrom().failure(new GatewayException.BackendUnavailable(
                    "The request queue is unavailable; retry shortly.", RETRY_AFTER, null));
        }
        long now = System.currentTimeMillis();
        byte[] value = requestBody(g, now);
        if (value.length > queue.maxRecordBytes()) {
            return io.smallrye.mutiny.Uni.createFrom().failure(new GatewayException.PayloadTooLarge("The request is "
                    + value.length + " bytes in its queued form, more than the " + queue.maxRecordBytes()
                    + " bytes a queued request may have; send fewer or smaller images."));
        }
        return io.smallrye.mutiny.Uni.createFrom().emitter(done -> {
            ProducerRecord<String, byte[]> record = requestRecord(g, value, replyTopic);
            Span publish = startPublish(parent, g.requestId(), record);
            queue.requestProducer().send(record, (metadata, error) -> {
                endPublish(publish, metadata, error);
                if (error == null) {
                    done.complete(null);
                } else {
                    if (!(error instanceof KafkaSender.Refused)) {
                        sendControl(g.requestId(), Messages.Control.CANCEL, null); // never run after a 503
                    }
                    done.fail(new GatewayException.BackendUnavailable("The request queue is unavailable; retry "
                            + "shortly.", RETRY_AFTER, error));
                }
            });
        });
    }

    private ProducerRecord<String, byte[]> requestRecord(Generation g, byte[] value, String replyTopic) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(KafkaQueue.REQUESTS, g.requestId(), value);
        record.headers().add(MessageHeaders.REPLY_TOPIC, replyTopic.getBytes(StandardCharsets.UTF_8));
        record.headers().add(MessageHeaders.CALLER, g.caller().getBytes(StandardCharsets.UTF_8));
        record.headers().add(MessageHeaders.SCHEMA, "generation-request.v1".getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /** The producer span of a request; the worker continues this trace from the record's headers. */
    private Span startPublish(Context parent, String id, ProducerRecord<String, byte[]> record) {
        Span publish = telemetry.messagingSpan(SpanKind.PRODUCER, parent, KafkaQueue.REQUESTS, id)
                .setAttribute(Telemetry.MESSAGING_KEY, id)
                .startSpan();
        telemetry.inject(parent.with(publish), record.headers(), HEADERS);
        return publish;
    }

    private static void endPublish(Span publish, org.apache.kafka.clients.producer.RecordMetadata metadata,
                                   Exception error) {
        if (metadata != null) {
            Telemetry.messagePosition(publish, metadata.partition(), metadata.offset());
        }
        if (error != null) {
            publish.setStatus(StatusCode.ERROR, KafkaQueue.rootMessage(error));
        }
        publish.end();
    }

    /**
     * Turns one Kafka event into what the edge streams: a token, or the end (completion or failure).
     * Shared by live streams and resumed ones; {@code finished} guards against a second end.
     */
    static void relayEvent(MultiEmitter<? super GenerationEvent> emitter, AtomicBoolean finished,
                           Messages.Event event, long offset) {
        switch (event.type()) {
            case Messages.Event.TOKEN -> {
                if (event.text() != null && !event.text().isEmpty() && !finished.get()) {
                    emitter.emit(new GenerationEvent.Token(event.text(), offset));
                }
            }
            case Messages.Event.TOOL_CALL -> {
                if (event.toolCall() != null && !finished.get()) {
                    emitter.emit(toolCall(event.toolCall(), offset));
                }
            }
            case Messages.Event.FINAL -> {
                if (finished.compareAndSet(false, true)) {
                    if (event.text() != null && !event.text().isEmpty()) {
                        emitter.emit(new GenerationEvent.Token(event.text(), offset));
                    }
                    if (event.toolCalls() != null) {
                        event.toolCalls().forEach(c -> emitter.emit(toolCall(c, offset)));
                    }
                    FinishReason reason = FinishReason.fromWire(event.finishReason());
                    var u = event.usage();
                    Usage usage = u == null ? new Usage(0, 0, false)
                            : new Usage(u.promptTokens(), u.completionTokens(), true);
                    emitter.emit(new GenerationEvent.Finished(reason, usage, offset));
                    emitter.complete();
                }
            }
            default -> {
                if (finished.compareAndSet(false, true)) {
                    emitter.fail(failure(event));
                }
            }
        }
    }

    private static GenerationEvent.ToolCall toolCall(Messages.ToolCallBody c, long offset) {
        return new GenerationEvent.ToolCall(c.index(), c.id(), c.function().name(), c.function().arguments(), offset);
    }

    static GatewayException failure(Messages.Event event) {
        if (Messages.Event.EXPIRED.equals(event.type())) {
            return new GatewayException.Relayed(504, "server_error", "expired",
                    "The request waited in the queue past its deadline and was not run.", null);
        }
        if (Messages.Event.CANCELLED.equals(event.type())) {
            return new GatewayException.Relayed(499, "invalid_request_error", "cancelled",
                    "The generation was cancelled.", null);
        }
        Messages.ErrorBody e = event.error();
        if (e == null) {
            return new GatewayException.BackendError("The queue worker failed the request.", null);
        }
        return new GatewayException.Relayed(e.status(), e.type(), e.code(), e.message(), null);
    }

    /** Tells the worker the client left; it cancels after the grace period unless the client resumes. */
    private void clientGone(String requestId) {
        long grace = config.resumeGrace().toMillis();
        sendControl(requestId, grace > 0 ? Messages.Control.CLIENT_GONE : Messages.Control.CANCEL,
                grace > 0 ? grace : null);
    }

    /**
     * Sends a control message for a request (cancel, client_gone, client_back). Never waits: while Kafka is
     * unusable the message is kept (bounded) and sent when it is back, so that a client that left, or was
     * told its request failed, during an outage still stops its generation afterwards.
     */
    public void sendControl(String requestId, String action, Long graceMs) {
        if (!queue.enabled() || queue.requestProducer() == null) {
            return;
        }
        byte[] body;
        try {
            body = json.writeValueAsBytes(new Messages.Control(Messages.VERSION, requestId, action,
                    System.currentTimeMillis(), graceMs));
        } catch (Exception e) {
            throw new IllegalStateException("control message of request " + requestId + " not serialisable", e);
        }
        queue.requestProducer().sendWhenUsable(new ProducerRecord<>(KafkaQueue.CONTROL, requestId, body), (m, e) -> {
            if (e != null) {
                warnings.log("control " + e.getClass().getName(), "request " + requestId + ": control '" + action
                        + "' not sent: " + KafkaQueue.rootMessage(e), LOG::warn);
            }
        });
    }

    /**
     * The queued form of an edge-validated request: the generation as validated, rendered and counted
     * here, signed, so that the worker runs exactly this without rendering or counting it again.
     */
    private byte[] requestBody(Generation g, long now) {
        return prevalidated.encode(g, now, now + config.requestTimeToLive().toMillis());
    }
}
