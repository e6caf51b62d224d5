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
import org.maverick.gateway.prompt.TokenCounter;
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
 * <p>A request whose client has gone ({@link ClientPresence}: client_gone received, or no instance
 * holds its client) is not started: within the grace period it is parked (held here, unstarted,
 * its offset uncommitted) until the client comes back (then it starts) or the grace period ends (then
 * it is answered 'cancelled'); after it, it is answered 'cancelled' at once. So a generation whose
 * client left before it started is never started at Triton.
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
        EXPIRED,
        /** Its client left and the grace period is over: answered 'cancelled', never started. */
        CLIENT_GONE,
        /** Its client left and may still come back (grace period): parked, not started. */
        CLIENT_AWAY
    }

    /** Most requests parked at once; past it the worker stops fetching, as with a full backlog. */
    static final int MAX_PARKED = 1024;

    /**
     * Steps of taking a request that a test may hold, to drive the races between a client leaving and
     * its request starting deterministically; production never holds.
     */
    interface Steps {
        /** Whether the worker takes no request now (they wait in the backlog or in Kafka). */
        default boolean holdIntake() {
            return false;
        }

        /** Between taking a request (status running) and opening its engine call: {@code open} opens it. */
        default void beforeEngineCall(String requestId, Runnable open) {
            open.run();
        }
    }

    static volatile Steps steps = new Steps() {
    };

    /** A request taken whose client is away: it waits, unstarted, for the client or the grace period's end. */
    private record Parked(ConsumerRecord<String, byte[]> record, Reply reply) {
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
    private final ClientPresence presence;
    private final WorkerCounters counters;
    private final java.util.concurrent.Executor toPollThread;
    private final java.util.Map<String, Parked> parked = new java.util.LinkedHashMap<>();
    /** The worker's poll thread (every call but a held step's comes on it). */
    private Thread pollThread;

    Intake(Replies replies, RequestReader reader, Backend engine, TokenCounter tokens, Telemetry telemetry,
           Admission admission, ApiKeys apiKeys, int maxInFlight, Backlog backlog, Generations generations,
           Statuses statuses, DeadLetters deadLetters, PartitionOffsets offsets, EarlyCancels earlyCancels,
           ClientPresence presence, WorkerCounters counters, java.util.concurrent.Executor toPollThread) {
        this.presence = presence;
        this.counters = counters;
        this.toPollThread = toPollThread;
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
        return verdict(running, status, cancelledEarly, deadlineAt, ClientPresence.PRESENT, now);
    }

    /**
     * As above, then whether its client is gone: {@code clientGoneAt} is when its grace period ends
     * ({@link ClientPresence#PRESENT} while the client is there).
     */
    static Verdict verdict(boolean running, Messages.Status status, BooleanSupplier cancelledEarly, Long deadlineAt,
                           long clientGoneAt, long now) {
        if (running || (status != null && status.done())) {
            return Verdict.ALREADY_HANDLED;
        }
        if (cancelledEarly.getAsBoolean()) {
            return Verdict.CANCELLED;
        }
        if (deadlineAt != null && now > deadlineAt) {
            return Verdict.EXPIRED;
        }
        if (clientGoneAt != ClientPresence.PRESENT) {
            return now >= clientGoneAt ? Verdict.CLIENT_GONE : Verdict.CLIENT_AWAY;
        }
        return Verdict.RUN;
    }

    /** The attempt a request's next run is: one more than its last status says, 1 for a new request. */
    static int nextAttempt(Messages.Status status) {
        return status == null ? 1 : status.attempt() + 1;
    }

    void startWaiting() {
        pollThread = Thread.currentThread();
        if (steps.holdIntake()) {
            return;
        }
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
        if (parked.containsKey(id)) {
            LOG.debugf("request %s: sent again while parked; the parked one stands", id);
            offsets.done(record);
            return true;
        }
        Messages.Status status = statuses.latest(id);
        // A gateway instance's own requests always stream events; an event-driven caller chooses.
        boolean stream = request.request() == null || request.request().path("stream").asBoolean(true);
        Reply reply = new Reply(id, RequestHeaders.replyTopic(record), nextAttempt(status), stream);
        long now = System.currentTimeMillis();
        // The record's timestamp is its publication: no owner lease runs out before one lease after it.
        long goneAt = presence.goneAt(id, reply.topic(), record.timestamp(), now);
        switch (verdict(generations.runs(id), status, () -> earlyCancels.take(id), request.deadlineAt(), goneAt, now)) {
            case ALREADY_HANDLED -> {
                LOG.debugf("request %s: already %s, not run again", id,
                        generations.runs(id) ? "running" : status.state());
                offsets.done(record);
                return true;
            }
            case CANCELLED -> {
                counters.neverStarted.incrementAndGet();
                return settle(record, reply, Messages.Event.CANCELLED, null, Messages.Status.CANCELLED);
            }
            case EXPIRED -> {
                return settle(record, reply, Messages.Event.EXPIRED, null, Messages.Status.EXPIRED);
            }
            case CLIENT_GONE -> {
                return settleGone(record, reply);
            }
            case CLIENT_AWAY -> {
                LOG.debugf("request %s: its client left; parked until it comes back or the grace period ends", id);
                parked.put(id, new Parked(record, reply));
                return true;
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
            // A refusal of the request itself goes to the dead letters; a busy or slow picture check (503) says
            // nothing against the request, and its caller is told to retry.
            if (e.status() < 500) {
                deadLetters.send(record, "invalid request: " + e.code() + ": " + e.getMessage());
            }
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
        if (reply.attempt() > 1) {
            Takeover.Plan plan = Takeover.plan(generation, previous, tokens);
            if (plan instanceof Takeover.Finish finish) {
                publisher(reply, previous.nextSeq()).finish(finish.reason(), finish.usage());
                statuses.write(id, Messages.Status.FINISHED, reply.attempt(), reply.topic());
                offsets.done(record);
                return true;
            }
            Takeover.Continue next = (Takeover.Continue) plan;
            LOG.infof("request %s: continuing attempt %d after %d tokens already sent%s", id, reply.attempt(),
                    next.alreadySentTokens(), next.previous().uncountedText().isEmpty() ? ""
                            : " (partly estimated: the engine did not count all of them)");
            generation = next.generation();
            previous = next.previous();
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
        steps.beforeEngineCall(id, () -> {
            if (Thread.currentThread() == pollThread) {
                open(g, span);
            } else {
                toPollThread.execute(() -> open(g, span)); // a test held this step
            }
        });
    }

    private void open(RunningGeneration g, Span span) {
        try (Scope ignored = span.makeCurrent()) {
            g.start(engine, tokens, generations); // the Triton call becomes a child of this span
        }
    }

    /** Answers a request whose client left without starting it. */
    private boolean settleGone(ConsumerRecord<String, byte[]> record, Reply reply) {
        LOG.infof("request %s: its client left and did not come back within the grace period; not started",
                reply.id());
        counters.neverStarted.incrementAndGet();
        return settle(record, reply, Messages.Event.CANCELLED, null, Messages.Status.CANCELLED);
    }

    /**
     * Settles or releases the parked requests: cancelled (explicitly, or their grace period ended)
     * ones are answered 'cancelled'; those whose client came back go to the front of the backlog.
     */
    void sweepParked(long now) {
        for (var it = parked.values().iterator(); it.hasNext(); ) {
            Parked p = it.next();
            String id = p.reply().id();
            if (earlyCancels.take(id)) {
                it.remove();
                settle(p.record(), p.reply(), Messages.Event.CANCELLED, null, Messages.Status.CANCELLED);
                continue;
            }
            long goneAt = presence.goneAt(id, p.reply().topic(), p.record().timestamp(), now);
            if (goneAt == ClientPresence.PRESENT) {
                it.remove();
                backlog.putBack(p.record());
            } else if (now >= goneAt) {
                it.remove();
                settleGone(p.record(), p.reply());
            }
        }
    }

    /** Whether so many requests are parked that no more should be fetched. */
    boolean parkedFull() {
        return parked.size() >= MAX_PARKED;
    }

    int parkedCount() {
        return parked.size();
    }

    /** Forgets the parked requests of partitions that went to another worker (it reads them again). */
    void dropParked(java.util.Set<org.apache.kafka.common.TopicPartition> lost) {
        parked.values().removeIf(p -> lost.contains(new org.apache.kafka.common.TopicPartition(p.record().topic(),
                p.record().partition())));
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
