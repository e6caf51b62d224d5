package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;
import org.maverick.gateway.admission.Admission;
import org.maverick.gateway.admission.ApiKeys;
import org.maverick.gateway.backend.triton.TritonBackend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.queue.EventPublisher;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.queue.PrevalidatedRequests;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.request.RequestValidator;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.gateway.telemetry.Telemetry;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Takes queued requests from Kafka and runs them on Triton: the poll loop, its thread and lifecycle,
 * the pausing of fetches, and the hand-off of work from other threads to the poll thread. What
 * happens to each record is up to the parts: {@link Intake} (request records, through the
 * {@link Backlog}), {@link ControlHandler} (control records), {@link Generations} (how generations
 * end), {@link PartitionOffsets} (what is committed), {@link Rebalance} (partitions coming and going).
 *
 * <p>Workers of all instances form one consumer group over the requests topic. Control messages are
 * read outside the group, every partition by every worker ({@link ControlReader}), so that the cancel
 * of a request reaches the worker that runs it whatever the assignment, and a worker that takes a
 * request over already knows whether its client left ({@link ClientPresence}).
 *
 * <p>Invariants, all kept on the single poll thread (gRPC callbacks and timers hand their results
 * over through {@link #post}):
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

    private final KafkaQueue queue;
    private final TritonBackend triton;
    private final RequestValidator validator;
    /** Checks the pictures of Kafka callers' chat requests (RequestReader). */
    private final ImageIntake images;
    private final TokenCounter tokens;
    private final ObjectMapper json;
    private final GatewayConfig.Queue config;
    private final Telemetry telemetry;
    private final Admission admission;
    private final ApiKeys apiKeys;
    private volatile long lag; // records behind on the owned request partitions, for the lag gauge
    private volatile int inFlight; // generations.size(), published for other threads

    private final PrevalidatedRequests prevalidated;
    private final ConcurrentLinkedQueue<Runnable> handoff = new ConcurrentLinkedQueue<>();
    /** True while the worker polls with requests waiting; a hand-off then wakes the poll. */
    private volatile boolean waitingForEnd;
    private final Set<TopicPartition> paused = new HashSet<>();
    private KafkaConsumer<String, byte[]> consumer;
    private ScheduledExecutorService scheduler;
    private Thread thread;
    private volatile boolean stopping;

    // The parts, made in start() before the poll thread starts; poll thread only from then on.
    private PartitionOffsets offsets;
    private Backlog backlog;
    private Statuses statuses;
    private Generations generations;
    private Intake intake;
    private ControlHandler control;
    private ControlReader controlReader;
    private final WorkerCounters counters = new WorkerCounters();
    private volatile int parkedCount;
    private volatile int waitingCount;
    private long lastSweep;
    private long lastExpire;
    /** How often parked requests and the owner leases of running generations are checked. */
    static final long SWEEP_INTERVAL_MS = 100;

    Worker(KafkaQueue queue, TritonBackend triton, RequestValidator validator, PrevalidatedRequests prevalidated,
           TokenCounter tokens, ObjectMapper json, GatewayConfig config, Telemetry telemetry, Admission admission,
           ApiKeys apiKeys, ImageIntake images) {
        this.images = images;
        this.prevalidated = prevalidated;
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
        // Incremental (cooperative) rebalancing: a worker joining or leaving moves only the partitions
        // that change owner, and only their generations are handed over; the eager range assignor took
        // every partition back on every rebalance and restarted every running generation. The classic
        // protocol keeps gateway.queue.worker-session-timeout the client's own session timeout.
        consumer = queue.consumer("worker", Optional.of(GROUP), Map.of(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
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
        // One timer flushes the coalesced tokens of every running generation once per coalesce window.
        EventPublisher.Ticker ticker = EventPublisher.Ticker.every(scheduler, config.coalesceWindow().toNanos());
        offsets = new PartitionOffsets();
        backlog = new Backlog();
        statuses = new Statuses(queue, json, new StatusCache());
        DeadLetters deadLetters = new DeadLetters(queue);
        EarlyCancels earlyCancels = new EarlyCancels();
        ClientPresence presence = new ClientPresence(queue.instanceId(), config.ownerLease().toMillis(),
                config.resumeGrace().toMillis());
        generations = new Generations(statuses, offsets, backlog, this::post, System::currentTimeMillis);
        intake = new Intake(new Replies(queue, json, ticker), new RequestReader(validator, prevalidated, json, images), triton, tokens,
                telemetry, admission, apiKeys, config.workerMaxInFlight(), backlog, generations, statuses,
                deadLetters, offsets, earlyCancels, presence, counters, this::post);
        control = new ControlHandler(json, generations, earlyCancels, deadLetters, presence, scheduler, this::post,
                config.resumeGrace().toMillis(), System::currentTimeMillis, counters);
        controlReader = new ControlReader(queue, config.requestTimeToLive().toMillis());
        controlReader.start();
        thread = new Thread(this::run, "kafka-worker");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("queue worker started: at most %d generations in flight", config.workerMaxInFlight());
    }

    /**
     * First of the shutdown observers (priority 1): the worker leaves the group, handing its running
     * generations over (status left 'running'), before the Triton channels close. The other order
     * failed every running generation ("the model backend broke off the stream"), so a worker that
     * left gracefully ended its streams with errors instead of having them continued elsewhere.
     */
    void stop(@Observes @Priority(1) ShutdownEvent event) {
        stopping = true;
        if (controlReader != null) {
            controlReader.stop();
        }
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

    /** Requests taken whose client is away (parked, not started); read from any thread. */
    public int parked() {
        return parkedCount;
    }

    /** Requests fetched and waiting in the backlog; read from any thread. */
    int waiting() {
        return waitingCount;
    }

    /** What the worker did about clients that left; read from any thread. */
    WorkerCounters counters() {
        return counters;
    }

    private void run() {
        boolean subscribed = false;
        while (!stopping) {
            try {
                if (!subscribed) {
                    // No request is taken before the control messages already written are known: a
                    // request cancelled (or left by its client) while it waited must not start.
                    if (!queue.ready() || !controlReader.caughtUp()) {
                        Thread.sleep(100);
                        continue;
                    }
                    consumer.subscribe(List.of(KafkaQueue.REQUESTS), new Rebalance(generations,
                            backlog, statuses, () -> offsets.commit(consumer, true), this::forget));
                    subscribed = true;
                }
                drainHandoff();
                handleControl();
                ConsumerRecords<String, byte[]> records;
                // With requests waiting for a slot (or for their caller's turn), a generation that ends
                // frees one: its hand-off wakes this poll, so the next request starts at once instead
                // of after the poll's timeout.
                waitingForEnd = !backlog.isEmpty();
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
                    offsets.seen(record);
                    backlog.add(record);
                }
                drainHandoff();
                handleControl();
                sweep();
                intake.startWaiting();
                adjustPause();
                offsets.commit(consumer, false);
                inFlight = generations.size();
                parkedCount = intake.parkedCount();
                waitingCount = backlog.size();
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
        generations.abandonAll();
        try {
            offsets.commit(consumer, true);
        } catch (RuntimeException e) {
            LOG.debugf("final commit failed: %s", e.getMessage());
        }
        consumer.close(Duration.ofSeconds(2));
    }

    /**
     * Whether to stop fetching requests: fetch no more than can run, plus a bounded backlog so that
     * callers at their limit do not block the rest.
     */
    static boolean shouldPause(int running, int waiting, boolean backlogFull, int maxInFlight, boolean engineReady) {
        return running >= maxInFlight || backlogFull || (waiting > 0 && running + waiting >= maxInFlight)
                || !engineReady;
    }

    private void adjustPause() {
        Set<TopicPartition> requestPartitions = new HashSet<>();
        for (TopicPartition tp : consumer.assignment()) {
            if (KafkaQueue.REQUESTS.equals(tp.topic())) {
                requestPartitions.add(tp);
            }
        }
        if (shouldPause(generations.size(), backlog.size(), backlog.full() || intake.parkedFull(),
                config.workerMaxInFlight(), triton.ready())) {
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

    /** Partitions that went to another worker: their offsets and pause state are forgotten. */
    private void forget(Set<TopicPartition> lost) {
        intake.dropParked(lost);
        offsets.forget(lost);
        paused.removeAll(lost);
    }

    /** Control messages read so far (read by every worker from every partition, outside the group). */
    private void handleControl() {
        controlReader.drain(control::handle, ControlReader.CAPACITY);
    }

    /**
     * Every {@link #SWEEP_INTERVAL_MS}: parked requests start or are answered, and running generations
     * whose client nobody holds any more are cancelled (so within that of the grace period's end).
     */
    private void sweep() {
        long now = System.currentTimeMillis();
        if (now - lastSweep < SWEEP_INTERVAL_MS) {
            return;
        }
        lastSweep = now;
        intake.sweepParked(now);
        control.sweep(now);
        if (now - lastExpire >= 1000) {
            lastExpire = now;
            control.expire(now);
        }
    }

    private long currentLag() {
        long total = 0;
        for (TopicPartition tp : consumer.assignment()) {
            if (KafkaQueue.REQUESTS.equals(tp.topic())) {
                total += consumer.currentLag(tp).orElse(0);
            }
        }
        return total + backlog.size();
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

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
