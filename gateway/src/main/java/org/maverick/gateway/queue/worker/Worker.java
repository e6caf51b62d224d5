package org.maverick.gateway.queue.worker;

import org.maverick.gateway.queue.Continuation;
import org.maverick.gateway.queue.EventPublisher;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.StatusTable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;
import org.maverick.gateway.request.RequestValidator;
import org.maverick.gateway.admission.Admission;
import org.maverick.gateway.admission.ApiKeys;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.backend.triton.TritonBackend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.ToolUse;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.gateway.telemetry.Telemetry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Takes queued requests from Kafka and runs them on Triton.
 *
 * <p>Workers of all instances form one consumer group over the requests and control topics. The
 * range assignor gives a worker the same partition numbers of both (they are co-partitioned, as is
 * the status topic), so the cancel of a request always reaches the worker that runs it.
 *
 * <p>Invariants, all kept on the single poll thread (gRPC callbacks hand their results over through
 * {@code handoff}):
 * <ul>
 *   <li>at most {@code gateway.queue.worker-max-in-flight} generations run; past it, and while Triton
 *       is not ready, the request partitions are paused, so nothing is fetched that cannot run;</li>
 *   <li>a partition's committed offset is its lowest unfinished request: a request counts as done
 *       only when its generation has ended, and one long generation holds back nobody else's work
 *       beyond a re-read after a crash;</li>
 *   <li>a request whose status is terminal is never run again; one whose status says running was
 *       interrupted (its worker died or lost the partition) and is continued from the text already
 *       sent, with the next attempt number.</li>
 * </ul>
 */
@ApplicationScoped
public class Worker {

    private static final Logger LOG = Logger.getLogger(Worker.class);
    static final String GROUP = "maverick-workers";
    private static final long RETRY_DELAY_MS = 1000;
    /** Requests fetched but not started (their callers are at a limit, or no slot is free), at most. */
    private static final int MAX_WAITING = 256;

    private final KafkaQueue queue;
    private final TritonBackend triton;
    private final RequestValidator validator;
    private final TokenCounter tokens;
    private final ObjectMapper json;
    private final GatewayConfig.Queue config;
    private final Telemetry telemetry;
    private volatile long lag; // records behind on the owned request partitions, for the lag gauge

    private final ConcurrentLinkedQueue<Runnable> handoff = new ConcurrentLinkedQueue<>();
    /** True while the worker polls with requests waiting; a hand-off then wakes the poll. */
    private volatile boolean waitingForEnd;
    private final Map<String, Running> running = new HashMap<>();
    private final Map<TopicPartition, Offsets> offsets = new HashMap<>();
    /**
     * Latest status of recent requests of the owned partitions: what keeps a finished request from
     * running again when it is re-read after a rebalance, or sent twice. Bounded: the oldest entries go
     * first past {@link #MAX_STATUSES} (far more than a re-read window holds).
     */
    private final Map<String, Messages.Status> statuses = new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Messages.Status> eldest) {
            return size() > MAX_STATUSES;
        }
    };
    private static final int MAX_STATUSES = 200_000;
    private final Map<String, Long> cancelledEarly = new HashMap<>();
    private final Deque<ConsumerRecord<String, byte[]>> waiting = new ArrayDeque<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private KafkaConsumer<String, byte[]> consumer;
    private ScheduledExecutorService scheduler;
    /** Flushes the coalesced tokens of every running generation once per coalesce window. */
    private EventPublisher.Ticker ticker;
    private Thread thread;
    private volatile boolean stopping;
    private volatile int inFlight; // running.size(), published for other threads
    private long retryNotBefore;
    private String lastCaller = "";
    private long lastCommit;

    private final Admission admission;
    private final ApiKeys apiKeys;

    Worker(KafkaQueue queue, TritonBackend triton, RequestValidator validator, TokenCounter tokens, ObjectMapper json,
           GatewayConfig config, Telemetry telemetry, Admission admission, ApiKeys apiKeys) {
        this.admission = admission;
        this.apiKeys = apiKeys;
        this.queue = queue;
        this.triton = triton;
        this.validator = validator;
        this.tokens = tokens;
        this.json = json;
        this.config = config.queue();
        this.telemetry = telemetry;
        telemetry.metrics().gauge(GatewayMetrics.WORKER_IN_FLIGHT, "Generations this instance's queue worker runs now.",
                () -> inFlight);
        telemetry.metrics().gauge(GatewayMetrics.WORKER_LAG,
                "Requests waiting in Kafka on the partitions this instance's worker owns (consumer lag).", () -> lag);
    }

    void start(@Observes @Priority(70) StartupEvent event) {
        if (!queue.enabled() || !config.worker()) {
            return;
        }
        long session = config.workerSessionTimeout().toMillis();
        consumer = queue.consumer("worker", Optional.of(GROUP), Map.of(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) session,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, session / 5),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 64,
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) config.workerFetchMaxWait().toMillis()));
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "worker-timers");
            t.setDaemon(true);
            return t;
        });
        ticker = EventPublisher.Ticker.every(scheduler, config.coalesceWindow().toNanos());
        thread = new Thread(this::run, "kafka-worker");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("queue worker started: at most %d generations in flight", config.workerMaxInFlight());
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Generations running on this worker now (for health, tests and metrics); read from any thread. */
    public int inFlight() {
        return inFlight;
    }

    private void run() {
        boolean subscribed = false;
        while (!stopping) {
            try {
                if (!subscribed) {
                    if (!queue.ready()) {
                        Thread.sleep(200);
                        continue;
                    }
                    consumer.subscribe(List.of(KafkaQueue.REQUESTS, KafkaQueue.CONTROL), new Rebalance());
                    subscribed = true;
                }
                drainHandoff();
                ConsumerRecords<String, byte[]> records;
                // With requests waiting for a slot (or for their caller's turn), a generation that ends
                // frees one: its hand-off wakes this poll, so the next request starts at once instead
                // of after the poll's timeout.
                waitingForEnd = !waiting.isEmpty();
                try {
                    records = consumer.poll(Duration.ofMillis(50));
                } catch (WakeupException woken) {
                    if (stopping) {
                        throw woken;
                    }
                    records = ConsumerRecords.empty();
                } finally {
                    waitingForEnd = false;
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (KafkaQueue.CONTROL.equals(record.topic())) {
                        control(record);
                    } else {
                        consumerOffsets(record).seen(record.offset());
                        waiting.addLast(record);
                    }
                }
                drainHandoff();
                startWaiting();
                adjustPause();
                maybeCommit(false);
                inFlight = running.size();
                lag = currentLag();
            } catch (WakeupException e) {
                // shutting down, or a hand-off's wake-up that arrived after the poll it was meant for
                // (the loop checks `stopping` and goes round again)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.errorf(e, "queue worker loop failed; continuing");
                sleepQuietly(500);
            }
        }
        shutdown();
    }

    private void shutdown() {
        if (consumer == null) {
            return;
        }
        // Leaving the group: running generations stay unfinished, so the next owner continues them.
        for (Running r : new ArrayList<>(running.values())) {
            r.abandon();
        }
        running.clear();
        try {
            maybeCommit(true);
        } catch (RuntimeException e) {
            LOG.debugf("final commit failed: %s", e.getMessage());
        }
        consumer.close(Duration.ofSeconds(2));
    }

    // ---- requests ----------------------------------------------------------------------------------

    private void startWaiting() {
        long now = System.currentTimeMillis();
        Set<String> blocked = new HashSet<>(); // callers at their limit, for this round
        while (!waiting.isEmpty() && running.size() < config.workerMaxInFlight() && triton.ready()
                && now >= retryNotBefore) {
            ConsumerRecord<String, byte[]> record = pickFairly(blocked);
            if (record == null) {
                return; // everybody waiting is at a limit
            }
            try {
                if (!take(record)) {
                    blocked.add(callerOf(record));
                    waiting.addFirst(record);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "request %s: worker failed to start it", record.key());
                deadLetter(record, "worker error: " + e.getMessage());
                done(record);
            }
        }
    }

    /**
     * Callers take turns: the next request comes from the first caller after the one served last
     * (in the order the waiting requests arrived), so one caller's burst cannot starve the others.
     */
    private ConsumerRecord<String, byte[]> pickFairly(Set<String> blocked) {
        java.util.List<String> callers = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : waiting) {
            String c = callerOf(r);
            if (!callers.contains(c) && !blocked.contains(c)) {
                callers.add(c);
            }
        }
        if (callers.isEmpty()) {
            return null;
        }
        int next = (callers.indexOf(lastCaller) + 1) % callers.size();
        String caller = callers.get(next);
        for (Iterator<ConsumerRecord<String, byte[]>> it = waiting.iterator(); it.hasNext(); ) {
            ConsumerRecord<String, byte[]> r = it.next();
            if (caller.equals(callerOf(r))) {
                it.remove();
                lastCaller = caller;
                return r;
            }
        }
        return null;
    }

    private static String callerOf(ConsumerRecord<String, byte[]> record) {
        return header(record, Messages.CALLER).orElse(RequestValidator.ANONYMOUS);
    }

    /** Starts (or settles) a request; false when its caller is at a limit and it must wait. */
    private boolean take(ConsumerRecord<String, byte[]> record) {
        Messages.Request request;
        try {
            request = json.readValue(record.value(), Messages.Request.class);
            if (request.requestId() == null || request.requestId().isBlank() || request.request() == null
                    || request.kind() == null) {
                throw new IllegalArgumentException("request_id, kind and request are required");
            }
            if (record.key() != null && !record.key().equals(request.requestId())) {
                throw new IllegalArgumentException("the record key '" + record.key() + "' is not the request_id '"
                        + request.requestId() + "'");
            }
        } catch (Exception e) {
            deadLetter(record, "unreadable request: " + e.getMessage());
            done(record);
            return true;
        }
        String id = request.requestId();
        String replyTopic = header(record, Messages.REPLY_TOPIC).orElse(KafkaQueue.EVENTS);
        Messages.Status status = statuses.get(id);
        if (running.containsKey(id) || (status != null && status.done())) {
            LOG.debugf("request %s: already %s, not run again", id, running.containsKey(id) ? "running" : status.state());
            done(record);
            return true;
        }
        int attempt = status == null ? 1 : status.attempt() + 1;
        boolean stream = request.request().path("stream").asBoolean(true);
        if (cancelledEarly.remove(id) != null) {
            publisher(id, replyTopic, attempt, 0, stream).fail(Messages.Event.CANCELLED, null);
            writeStatus(id, Messages.Status.CANCELLED, attempt, replyTopic);
            done(record);
            return true;
        }
        if (request.deadlineAt() != null && System.currentTimeMillis() > request.deadlineAt()) {
            publisher(id, replyTopic, attempt, 0, stream).fail(Messages.Event.EXPIRED, null);
            writeStatus(id, Messages.Status.EXPIRED, attempt, replyTopic);
            done(record);
            return true;
        }
        Generation generation;
        try {
            generation = validate(request, record);
        } catch (GatewayException e) {
            deadLetter(record, "invalid request: " + e.code() + ": " + e.getMessage());
            publisher(id, replyTopic, attempt, 0, stream).fail(Messages.Event.ERROR, errorBody(e));
            writeStatus(id, Messages.Status.FAILED, attempt, replyTopic);
            done(record);
            return true;
        }
        Continuation previous = attempt > 1 ? Continuation.read(queue, json, replyTopic, id, request.createdAt())
                : Continuation.NONE;
        if (previous.finished()) {
            writeStatus(id, Messages.Status.FINISHED, attempt - 1, replyTopic);
            done(record);
            return true;
        }
        int promptTokens = generation.promptTokens();
        if (attempt > 1 && previous.toolCalls() > 0) {
            // Calls already went out whole. Continuing would make the model write its call list again from a prompt
            // that lacks it; the answer ends here instead: every call sent once, none half.
            int emittedTokens = previous.text().isEmpty() ? 0 : tokens.countText(previous.text());
            EventPublisher p = publisher(id, replyTopic, attempt, previous.nextSeq(), stream);
            p.finish("tool_calls", new UsageDto(promptTokens, emittedTokens, promptTokens + emittedTokens));
            writeStatus(id, Messages.Status.FINISHED, attempt, replyTopic);
            done(record);
            return true;
        }
        if (attempt > 1 && generation.tools().enabled() && !generation.tools().prefill().isEmpty()
                && previous.text().startsWith(generation.tools().prefill())) {
            // The prefill (the start of a call the prompt ends with) was relayed as text: it is in the prompt
            // already, so the continuation starts after it, and the new attempt's parser does not read it again.
            ToolUse t = generation.tools();
            generation = generation.withTools(new ToolUse(t.callable(), "", t.parallel(), t.strictSchemas()));
            previous = new Continuation(previous.text().substring(t.prefill().length()), previous.nextSeq(), false, 0);
        }
        if (attempt > 1) {
            int emittedTokens = previous.text().isEmpty() ? 0 : tokens.countText(previous.text());
            int left = generation.sampling().maxTokens() - emittedTokens;
            LOG.infof("request %s: continuing attempt %d after %d tokens already sent", id, attempt, emittedTokens);
            if (left <= 0) {
                EventPublisher p = publisher(id, replyTopic, attempt, previous.nextSeq(), stream);
                p.finish("length", new UsageDto(promptTokens, emittedTokens, promptTokens + emittedTokens));
                writeStatus(id, Messages.Status.FINISHED, attempt, replyTopic);
                done(record);
                return true;
            }
            generation = generation.continuing(generation.prompt() + previous.text(),
                    promptTokens + emittedTokens, left);
        }
        // Requests from HTTP or WebSocket clients were admitted by the instance that took them; requests
        // put on Kafka by event-driven callers meet the same tenant limits here, by their caller header.
        Admission.Permit permit = null;
        if (header(record, Messages.ADMITTED).isEmpty()) {
            String caller = callerOf(record);
            if (apiKeys.knownTenant(caller).isEmpty()) {
                GatewayException e = new GatewayException.Unauthorized("Unknown caller '" + caller + "' in the "
                        + Messages.CALLER + " header: it must name a configured tenant.");
                publisher(id, replyTopic, attempt, 0, stream).fail(Messages.Event.ERROR, errorBody(e));
                writeStatus(id, Messages.Status.FAILED, attempt, replyTopic);
                done(record);
                return true;
            }
            try {
                permit = admission.admit(generation.withDispatch(Generation.Dispatch.QUEUED)).await().indefinitely();
            } catch (GatewayException.RateLimited limited) {
                LOG.debugf("request %s: caller %s at a limit (%s); it waits", id, caller, limited.getMessage());
                return false;
            }
        }
        writeStatus(id, Messages.Status.RUNNING, attempt, replyTopic);
        telemetry.metrics().queueWait(System.currentTimeMillis() - request.createdAt());
        Span span = telemetry.tracer().spanBuilder(KafkaQueue.REQUESTS + " process")
                .setParent(telemetry.extract(record.headers(), HEADERS))
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.destination.partition.id", Integer.toString(record.partition()))
                .setAttribute("messaging.kafka.offset", record.offset())
                .setAttribute("messaging.consumer.group.name", GROUP)
                .setAttribute(Telemetry.REQUEST_ID, id)
                .setAttribute(Telemetry.CALLER, generation.caller())
                .setAttribute("maverick.attempt", (long) attempt)
                .setAttribute("maverick.queue_wait_ms", (double) (System.currentTimeMillis() - request.createdAt()))
                .startSpan();
        Running r = new Running(record, generation, promptTokens, previous,
                publisher(id, replyTopic, attempt, previous.nextSeq(), stream), replyTopic, attempt, span, permit);
        running.put(id, r);
        try (Scope ignored = span.makeCurrent()) {
            r.start(); // the Triton call becomes a child of this span
        }
        return true;
    }

    private Generation validate(Messages.Request request, ConsumerRecord<String, byte[]> record) {
        long created = request.createdAt() / 1000;
        Generation g;
        try {
            if ("chat".equals(request.kind())) {
                g = validator.chat(json, request.request(), request.requestId(), created);
            } else if ("completion".equals(request.kind())) {
                g = validator.completion(json, request.request(), request.requestId(), created);
                // the edge's queued form of a chat request with tools: how to read the output for calls
                JsonNode toolUse = request.request() == null ? null : request.request().get("tool_use");
                if (toolUse != null && toolUse.isObject()) {
                    g = g.withTools(json.treeToValue(toolUse, Messages.ToolUseBody.class).toToolUse());
                }
            } else {
                throw new GatewayException.InvalidRequest("kind", "kind must be 'chat' or 'completion', got '"
                        + request.kind() + "'");
            }
        } catch (GatewayException e) {
            throw e;
        } catch (Exception e) {
            throw new GatewayException.InvalidRequest("request", "request is not a valid OpenAI request: "
                    + e.getMessage());
        }
        String caller = header(record, Messages.CALLER).orElse(RequestValidator.ANONYMOUS);
        return new Generation(g.requestId(), g.modelId(), g.kind(), g.prompt(), g.promptTokens(), g.exactTokens(),
                g.sampling(), g.stop(), g.stream(), g.includeUsage(), g.createdEpochSeconds(),
                Generation.Dispatch.DIRECT, caller, g.tools());
    }

    /** One generation this worker runs. Callbacks come on gRPC threads; bookkeeping goes to the poll thread. */
    private final class Running {
        final ConsumerRecord<String, byte[]> record;
        final Generation generation;
        final int originalPromptTokens;
        final Continuation previous;
        final EventPublisher publisher;
        final String replyTopic;
        final int attempt;
        final Span span;
        final Admission.Permit permit;
        volatile Cancellable subscription;
        volatile boolean ended;
        volatile boolean anyToken;
        volatile int completionTokens;
        ScheduledFuture<?> graceTimer;

        Running(ConsumerRecord<String, byte[]> record, Generation generation, int originalPromptTokens,
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

        void start() {
            subscription = triton.generate(generation).subscribe().with(
                    event -> {
                        if (event instanceof GenerationEvent.Token t) {
                            anyToken = true;
                            publisher.token(t.text());
                        } else if (event instanceof GenerationEvent.ToolCall c) {
                            anyToken = true;
                            publisher.toolCall(c);
                        } else if (event instanceof GenerationEvent.Finished f) {
                            int completion = f.usage().completionTokens() + previous.tokens(tokens);
                            completionTokens = f.usage().completionTokens();
                            publisher.finish(f.reason().wire(), new UsageDto(originalPromptTokens, completion,
                                    originalPromptTokens + completion));
                            post(() -> end(this, Messages.Status.FINISHED));
                        }
                    },
                    failure -> post(() -> failed(this, failure)));
        }

        void cancel() {
            if (!ended) {
                Cancellable s = subscription;
                if (s != null) {
                    s.cancel();
                }
                publisher.fail(Messages.Event.CANCELLED, null);
                end(this, Messages.Status.CANCELLED);
            }
        }

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
            Cancellable s = subscription;
            if (s != null) {
                s.cancel();
            }
            publisher.abandon();
        }
    }

    private void failed(Running r, Throwable failure) {
        if (r.ended) {
            return;
        }
        GatewayException e = failure instanceof GatewayException g ? g : new GatewayException.Internal(failure);
        if (e instanceof GatewayException.BackendUnavailable && !r.anyToken) {
            // Triton could not take it (not ready, queue full): the request waits in Kafka instead.
            LOG.infof("request %s: Triton unavailable (%s); retrying in %d ms", r.id(), e.getMessage(), RETRY_DELAY_MS);
            r.abandon();
            running.remove(r.id());
            waiting.addFirst(r.record);
            retryNotBefore = System.currentTimeMillis() + RETRY_DELAY_MS;
            return;
        }
        LOG.warnf("request %s: generation failed: %s %s", r.id(), e.code(), e.getMessage());
        r.publisher.fail(Messages.Event.ERROR, errorBody(e));
        end(r, Messages.Status.FAILED);
    }

    private void end(Running r, String state) {
        if (r.ended) {
            return;
        }
        r.ended = true;
        if (r.graceTimer != null) {
            r.graceTimer.cancel(false);
        }
        if (r.permit != null) {
            r.permit.release(r.completionTokens);
        }
        r.span.setAttribute("maverick.outcome", state);
        if (!Messages.Status.FINISHED.equals(state)) {
            r.span.setStatus(StatusCode.ERROR, state);
        }
        r.span.end();
        running.remove(r.id());
        writeStatus(r.id(), state, r.attempt, r.replyTopic);
        done(r.record);
    }

    // ---- control -----------------------------------------------------------------------------------

    private void control(ConsumerRecord<String, byte[]> record) {
        Messages.Control c;
        try {
            c = json.readValue(record.value(), Messages.Control.class);
        } catch (Exception e) {
            deadLetter(record, "unreadable control message: " + e.getMessage());
            return;
        }
        Running r = c.requestId() == null ? null : running.get(c.requestId());
        switch (String.valueOf(c.action())) {
            case Messages.Control.CANCEL -> {
                if (r != null) {
                    LOG.debugf("request %s: cancelled", c.requestId());
                    r.cancel();
                } else if (c.requestId() != null) {
                    cancelledEarly.put(c.requestId(), System.currentTimeMillis());
                }
            }
            case Messages.Control.CLIENT_GONE -> {
                if (r != null && r.graceTimer == null) {
                    long grace = c.graceMs() == null ? config.resumeGrace().toMillis() : c.graceMs();
                    r.graceTimer = scheduler.schedule(() -> post(() -> {
                        if (!r.ended && r.graceTimer != null) {
                            LOG.debugf("request %s: client did not come back within %d ms; cancelling", r.id(), grace);
                            r.cancel();
                        }
                    }), grace, TimeUnit.MILLISECONDS);
                }
            }
            case Messages.Control.CLIENT_BACK -> {
                if (r != null && r.graceTimer != null) {
                    r.graceTimer.cancel(false);
                    r.graceTimer = null;
                }
            }
            default -> deadLetter(record, "unknown control action '" + c.action() + "'");
        }
        // Control records need no completion tracking: they are done once read.
        consumerOffsets(record).seen(record.offset());
        consumerOffsets(record).done(record.offset());
        expireEarlyCancels();
    }

    private void expireEarlyCancels() {
        long cutoff = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        cancelledEarly.values().removeIf(at -> at < cutoff);
    }

    // ---- status, offsets, dead letters ---------------------------------------------------------------

    private void writeStatus(String id, String state, int attempt, String replyTopic) {
        Messages.Status s = new Messages.Status(Messages.VERSION, id, state, attempt, replyTopic, null, null,
                System.currentTimeMillis());
        statuses.put(id, s);
        try {
            queue.requestProducer().send(new ProducerRecord<>(KafkaQueue.STATUS, id, json.writeValueAsBytes(s)), (m, e) -> {
                if (e != null) {
                    LOG.warnf("request %s: status %s not written: %s", id, state, KafkaQueue.rootMessage(e));
                }
            });
        } catch (Exception e) {
            LOG.warnf("request %s: status %s not written: %s", id, state, e.getMessage());
        }
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        LOG.warnf("record %s-%d@%d (key %s) to the dead-letter topic: %s", record.topic(), record.partition(),
                record.offset(), record.key(), reason);
        ProducerRecord<String, byte[]> dead = new ProducerRecord<>(KafkaQueue.DLQ, null, record.key(), record.value(),
                record.headers());
        dead.headers().add(Messages.DLQ_REASON, reason.getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Messages.DLQ_TOPIC, record.topic().getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Messages.DLQ_PARTITION, Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8));
        dead.headers().add(Messages.DLQ_OFFSET, Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
        queue.requestProducer().send(dead, (m, e) -> {
            if (e != null) {
                LOG.errorf("record %s-%d@%d could not be dead-lettered: %s", record.topic(), record.partition(),
                        record.offset(), KafkaQueue.rootMessage(e));
            }
        });
    }

    private void done(ConsumerRecord<String, byte[]> record) {
        Offsets o = offsets.get(new TopicPartition(record.topic(), record.partition()));
        if (o != null) {
            o.done(record.offset());
        }
    }

    private Offsets consumerOffsets(ConsumerRecord<String, byte[]> record) {
        return offsets.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), tp -> new Offsets());
    }

    private void maybeCommit(boolean sync) {
        long now = System.currentTimeMillis();
        if (!sync && now - lastCommit < 500) {
            return;
        }
        lastCommit = now;
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (var e : offsets.entrySet()) {
            long next = e.getValue().committable();
            if (next >= 0 && next != e.getValue().committed) {
                commit.put(e.getKey(), new OffsetAndMetadata(next));
                e.getValue().committed = next;
            }
        }
        if (commit.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(commit, Duration.ofSeconds(5));
        } else {
            consumer.commitAsync(commit, (o, e) -> {
                if (e != null) {
                    LOG.debugf("offset commit failed (retried with the next one): %s", e.getMessage());
                }
            });
        }
    }

    private void adjustPause() {
        Set<TopicPartition> requestPartitions = new HashSet<>();
        for (TopicPartition tp : consumer.assignment()) {
            if (KafkaQueue.REQUESTS.equals(tp.topic())) {
                requestPartitions.add(tp);
            }
        }
        // Fetch no more than can run, plus a bounded backlog so that callers at their limit do not block the rest.
        boolean full = running.size() >= config.workerMaxInFlight() || waiting.size() >= MAX_WAITING
                || (!waiting.isEmpty() && running.size() + waiting.size() >= config.workerMaxInFlight())
                || !triton.ready();
        if (full) {
            Set<TopicPartition> toPause = new HashSet<>(requestPartitions);
            toPause.removeAll(paused);
            if (!toPause.isEmpty()) {
                consumer.pause(toPause);
                paused.addAll(toPause);
            }
        } else if (!paused.isEmpty()) {
            consumer.resume(paused);
            paused.clear();
        }
    }

    private long currentLag() {
        long total = 0;
        for (TopicPartition tp : consumer.assignment()) {
            if (KafkaQueue.REQUESTS.equals(tp.topic())) {
                total += consumer.currentLag(tp).orElse(0);
            }
        }
        return total + waiting.size();
    }

    /** Hands a task to the worker's thread; wakes its poll when requests wait for a generation to end. */
    private void post(Runnable task) {
        handoff.add(task);
        if (waitingForEnd) {
            consumer.wakeup();
        }
    }

    private void drainHandoff() {
        Runnable task;
        while ((task = handoff.poll()) != null) {
            task.run();
        }
    }

    private EventPublisher publisher(String id, String replyTopic, int attempt, long firstSeq, boolean stream) {
        return new EventPublisher(queue.producer(), json, ticker, replyTopic, null, id, attempt, firstSeq, stream);
    }

    static Messages.ErrorBody errorBody(GatewayException e) {
        return new Messages.ErrorBody(e.getMessage(), e.type(), e.code(), e.status());
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

    private static Optional<String> header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? Optional.empty()
                : Optional.of(new String(h.value(), StandardCharsets.UTF_8)).filter(s -> !s.isBlank());
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Offsets of one partition: those read but not finished, and the next unread one. */
    private static final class Offsets {
        final TreeSet<Long> unfinished = new TreeSet<>();
        long next = -1;
        long committed = -1;

        void seen(long offset) {
            unfinished.add(offset);
            next = Math.max(next, offset + 1);
        }

        void done(long offset) {
            unfinished.remove(offset);
        }

        long committable() {
            return unfinished.isEmpty() ? next : unfinished.first();
        }
    }

    /** Partitions come and go: keep the bookkeeping of those owned, and hand the rest over cleanly. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Set<TopicPartition> lost = new HashSet<>(partitions);
            // Generations of lost partitions stop here; their status stays 'running', so the new owner continues them.
            for (Iterator<Running> it = running.values().iterator(); it.hasNext(); ) {
                Running r = it.next();
                if (lost.contains(new TopicPartition(r.record.topic(), r.record.partition()))) {
                    LOG.infof("request %s: partition moved to another worker; handing the generation over", r.id());
                    r.abandon();
                    it.remove();
                }
            }
            waiting.removeIf(rec -> lost.contains(new TopicPartition(rec.topic(), rec.partition())));
            try {
                maybeCommit(true);
            } catch (RuntimeException e) {
                LOG.debugf("commit on revoke failed: %s", e.getMessage());
            }
            offsets.keySet().removeAll(lost);
            paused.removeAll(lost);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            List<Integer> requestPartitions = partitions.stream()
                    .filter(tp -> KafkaQueue.REQUESTS.equals(tp.topic())).map(TopicPartition::partition).toList();
            if (!requestPartitions.isEmpty()) {
                statuses.putAll(StatusTable.read(queue, json, requestPartitions));
                LOG.infof("worker owns request partitions %s", requestPartitions);
            }
        }
    }
}
