package org.maverick.gateway.queue.worker;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;
import org.maverick.gateway.admission.Admission;
import org.maverick.gateway.admission.ApiKeys;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.ToolUse;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.queue.Continuation;
import org.maverick.gateway.queue.EventPublisher;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.telemetry.Telemetry;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Starts the requests waiting in the {@link Backlog} while this worker has a free slot and Triton is
 * ready. Each record is read, checked and then run or settled: a request already running or finished
 * is not run again; one cancelled before it started, or past its deadline, is answered so; an invalid
 * one is dead-lettered and answered with the error an HTTP client would get; one whose status says
 * running was interrupted elsewhere and continues from the text already sent. A record leaves the
 * backlog settled (marked done) or running, except when its caller is at a tenant limit: it then goes
 * back to the front and its caller is skipped until the next round.
 *
 * <p>Poll thread only. Reading back an interrupted attempt's events blocks this thread (bounded).
 */
final class Intake {

    private static final Logger LOG = Logger.getLogger(Intake.class);

    /** What becomes of a request record that was read: run, or settled without a generation. */
    enum Verdict {
        RUN,
        /** It runs here now, or its status is terminal: not run again. */
        ALREADY_HANDLED,
        /** A cancel arrived before it started: answered 'cancelled'. */
        CANCELLED,
        /** Past its deadline: answered 'expired'. */
        EXPIRED
    }

    /** Where one attempt of a request answers. */
    private record Reply(String id, String topic, int attempt, boolean stream) {
    }

    private final Replies replies;
    private final RequestReader reader;
    private final Backend engine;
    private final TokenCounter tokens;
    private final Telemetry telemetry;
    private final Admission admission;
    private final ApiKeys apiKeys;
    private final int maxInFlight;
    private final Backlog backlog;
    private final Generations generations;
    private final Statuses statuses;
    private final DeadLetters deadLetters;
    private final PartitionOffsets offsets;
    private final EarlyCancels earlyCancels;

    Intake(Replies replies, RequestReader reader, Backend engine, TokenCounter tokens, Telemetry telemetry,
           Admission admission, ApiKeys apiKeys, int maxInFlight, Backlog backlog, Generations generations,
           Statuses statuses, DeadLetters deadLetters, PartitionOffsets offsets, EarlyCancels earlyCancels) {
        this.replies = replies;
        this.reader = reader;
        this.engine = engine;
        this.tokens = tokens;
        this.telemetry = telemetry;
        this.admission = admission;
        this.apiKeys = apiKeys;
        this.maxInFlight = maxInFlight;
        this.backlog = backlog;
        this.generations = generations;
        this.statuses = statuses;
        this.deadLetters = deadLetters;
        this.offsets = offsets;
        this.earlyCancels = earlyCancels;
    }

    /**
     * The verdict on a readable request, checked in this order: {@code cancelledEarly} is asked (and
     * so uses the early cancel up) only for a request not already handled.
     */
    static Verdict verdict(boolean running, Messages.Status status, BooleanSupplier cancelledEarly, Long deadlineAt,
                           long now) {
        if (running || (status != null && status.done())) {
            return Verdict.ALREADY_HANDLED;
        }
        if (cancelledEarly.getAsBoolean()) {
            return Verdict.CANCELLED;
        }
        if (deadlineAt != null && now > deadlineAt) {
            return Verdict.EXPIRED;
        }
        return Verdict.RUN;
    }

    /** The attempt a request's next run is: one more than its last status says, 1 for a new request. */
    static int nextAttempt(Messages.Status status) {
        return status == null ? 1 : status.attempt() + 1;
    }

    void startWaiting() {
        long now = System.currentTimeMillis();
        Set<String> blocked = new HashSet<>(); // callers at their limit, for this round
        while (!backlog.isEmpty() && generations.size() < maxInFlight && engine.ready() && backlog.startable(now)) {
            ConsumerRecord<String, byte[]> record = backlog.pick(blocked);
            if (record == null) {
                return; // everybody waiting is at a limit
            }
            try {
                if (!take(record)) {
                    blocked.add(RequestHeaders.caller(record));
                    backlog.putBack(record);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "request %s: worker failed to start it", record.key());
                deadLetters.send(record, "worker error: " + e.getMessage());
                offsets.done(record);
            }
        }
    }

    /** Starts (or settles) a request; false when its caller is at a limit and it must wait. */
    private boolean take(ConsumerRecord<String, byte[]> record) {
        Messages.Request request;
        try {
            request = reader.read(record);
        } catch (Exception e) {
            deadLetters.send(record, "unreadable request: " + e.getMessage());
            offsets.done(record);
            return true;
        }
        String id = request.requestId();
        Messages.Status status = statuses.latest(id);
        // A gateway instance's own requests always stream events; an event-driven caller chooses.
        boolean stream = request.request() == null || request.request().path("stream").asBoolean(true);
        Reply reply = new Reply(id, RequestHeaders.replyTopic(record), nextAttempt(status), stream);
        switch (verdict(generations.runs(id), status, () -> earlyCancels.take(id), request.deadlineAt(),
                System.currentTimeMillis())) {
            case ALREADY_HANDLED -> {
                LOG.debugf("request %s: already %s, not run again", id,
                        generations.runs(id) ? "running" : status.state());
                offsets.done(record);
                return true;
            }
            case CANCELLED -> {
                return settle(record, reply, Messages.Event.CANCELLED, null, Messages.Status.CANCELLED);
            }
            case EXPIRED -> {
                return settle(record, reply, Messages.Event.EXPIRED, null, Messages.Status.EXPIRED);
            }
            case RUN -> {
            }
        }
        Generation generation;
        boolean admitted;
        try {
            RequestReader.Resolved resolved = reader.generation(request, RequestHeaders.caller(record));
            generation = resolved.generation();
            admitted = resolved.trusted();
        } catch (GatewayException e) {
            deadLetters.send(record, "invalid request: " + e.code() + ": " + e.getMessage());
            return settle(record, reply, Messages.Event.ERROR, Generations.errorBody(e), Messages.Status.FAILED);
        }
        Continuation previous = reply.attempt() > 1 ? replies.alreadySent(reply.topic(), id, request.createdAt())
                : Continuation.NONE;
        if (previous.finished()) {
            statuses.write(id, Messages.Status.FINISHED, reply.attempt() - 1, reply.topic());
            offsets.done(record);
            return true;
        }
        int promptTokens = generation.promptTokens();
        if (reply.attempt() > 1 && previous.toolCalls() > 0) {
            // Calls already went out whole. Continuing would make the model write its call list again from a
            // prompt that lacks it; the answer ends here instead: every call sent once, none half.
            int emittedTokens = previous.tokens(tokens);
            publisher(reply, previous.nextSeq()).finish("tool_calls",
                    new UsageDto(promptTokens, emittedTokens, promptTokens + emittedTokens));
            statuses.write(id, Messages.Status.FINISHED, reply.attempt(), reply.topic());
            offsets.done(record);
            return true;
        }
        if (reply.attempt() > 1 && generation.tools().enabled() && !generation.tools().prefill().isEmpty()
                && previous.text().startsWith(generation.tools().prefill())) {
            // The prefill (the start of a call the prompt ends with) was relayed as text: it is in the prompt
            // already, so the continuation starts after it, and the new attempt's parser does not read it again.
            ToolUse t = generation.tools();
            generation = generation.withTools(new ToolUse(t.callable(), "", t.parallel(), t.strictSchemas()));
            previous = new Continuation(previous.text().substring(t.prefill().length()), previous.nextSeq(), false, 0);
        }
        if (reply.attempt() > 1) {
            int emittedTokens = previous.tokens(tokens);
            int left = generation.sampling().maxTokens() - emittedTokens;
            LOG.infof("request %s: continuing attempt %d after %d tokens already sent", id, reply.attempt(), emittedTokens);
            if (left <= 0) {
                publisher(reply, previous.nextSeq()).finish("length",
                        new UsageDto(promptTokens, emittedTokens, promptTokens + emittedTokens));
                statuses.write(id, Messages.Status.FINISHED, reply.attempt(), reply.topic());
                offsets.done(record);
                return true;
            }
            generation = generation.continuing(generation.prompt() + previous.text(),
                    promptTokens + emittedTokens, left);
        }
        // Requests from HTTP or WebSocket clients were admitted by the instance that took them (its
        // signature says so); requests put on Kafka by anybody else meet the same tenant limits here, by
        // their caller header.
        Admission.Permit permit = null;
        if (!admitted) {
            String caller = RequestHeaders.caller(record);
            if (apiKeys.knownTenant(caller).isEmpty()) {
                GatewayException e = new GatewayException.Unauthorized("Unknown caller '" + caller + "' in the "
                        + MessageHeaders.CALLER + " header: it must name a configured tenant.");
                return settle(record, reply, Messages.Event.ERROR, Generations.errorBody(e), Messages.Status.FAILED);
            }
            try {
                permit = admission.admit(generation.withDispatch(Generation.Dispatch.QUEUED)).await().indefinitely();
            } catch (GatewayException.RateLimited limited) {
                LOG.debugf("request %s: caller %s at a limit (%s); it waits", id, caller, limited.getMessage());
                return false;
            }
        }
        start(record, request, reply, generation, promptTokens, previous, permit);
        return true;
    }

    private void start(ConsumerRecord<String, byte[]> record, Messages.Request request, Reply reply,
                       Generation generation, int promptTokens, Continuation previous, Admission.Permit permit) {
        String id = reply.id();
        int attempt = reply.attempt();
        statuses.write(id, Messages.Status.RUNNING, attempt, reply.topic());
        telemetry.metrics().queueWait(System.currentTimeMillis() - request.createdAt());
        Span span = telemetry.messagingSpan(SpanKind.CONSUMER, telemetry.extract(record.headers(), HEADERS),
                        record.topic(), record.partition(), record.offset(), id)
                .setAttribute(Telemetry.MESSAGING_CONSUMER_GROUP, Worker.GROUP)
                .setAttribute(Telemetry.CALLER, generation.caller())
                .setAttribute(Telemetry.ATTEMPT, (long) attempt)
                .setAttribute(Telemetry.QUEUE_WAIT_MS, (double) (System.currentTimeMillis() - request.createdAt()))
                .startSpan();
        RunningGeneration g = new RunningGeneration(record, generation, promptTokens, previous,
                publisher(reply, previous.nextSeq()), reply.topic(), attempt, span, permit);
        generations.add(g);
        try (Scope ignored = span.makeCurrent()) {
            g.start(engine, tokens, generations); // the Triton call becomes a child of this span
        }
    }

    /** Answers a request without running it: a terminal event, its status, and its record done. */
    private boolean settle(ConsumerRecord<String, byte[]> record, Reply reply, String event,
                           Messages.ErrorBody error, String state) {
        publisher(reply, 0).fail(event, error);
        statuses.write(reply.id(), state, reply.attempt(), reply.topic());
        offsets.done(record);
        return true;
    }

    private EventPublisher publisher(Reply reply, long firstSeq) {
        return replies.publisher(reply.id(), reply.topic(), reply.attempt(), firstSeq, reply.stream());
    }

    private static final TextMapGetter<org.apache.kafka.common.header.Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(org.apache.kafka.common.header.Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(org.apache.kafka.common.header.Headers headers, String key) {
            Header h = headers == null ? null : headers.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };
}
