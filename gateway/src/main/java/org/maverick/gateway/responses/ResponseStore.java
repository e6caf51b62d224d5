package org.maverick.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.kafka.MessageHeaders;
import org.maverick.kafka.Topics;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stored responses, kept in Kafka and read from any instance (docs/responses.md).
 *
 * <p>The compacted topic {@code maverick.responses} (key = response id) is the store: every change of a response
 * is a new record of it, a deletion a tombstone. Each instance materialises the whole topic with Kafka Streams as
 * a <em>global</em> state store (RocksDB, under {@code gateway.responses.state-dir}): every instance answers every
 * read from its own copy, with no hop to another instance and no gap while a consumer group rebalances; the cost
 * is that each instance holds all stored responses on its disk. A processor in front of the store records how far
 * each partition was applied, so a read that misses waits (at most {@code gateway.responses.read-wait}) until
 * this copy has reached what the cluster had when the read began: a response this deployment accepted is never a
 * 404 right after, on any instance (read-your-writes).
 *
 * <p>The same Kafka Streams application aggregates the events of background runs ({@link BackgroundAggregator},
 * partitioned over the instances as a consumer group) into their stored responses.
 */
@ApplicationScoped
public class ResponseStore {

    private static final Logger LOG = Logger.getLogger(ResponseStore.class);
    static final String APPLICATION_ID = "maverick-responses";
    static final String STORE = "stored-responses";
    static final String RUNS = "background-runs";
    private static final long SWEEP_EVERY_MS = 600_000;

    private final KafkaQueue queue;
    private final GatewayConfig.Responses config;
    private final ObjectMapper json;
    private final GatewayMetrics metrics;
    private final boolean available;
    private final int replicationFactor;
    private final Duration sessionTimeout;
    /** Per partition of the responses topic, the offset of the last record this instance's copy applied. */
    private final Map<Integer, Long> applied = new ConcurrentHashMap<>();
    private final AtomicLong lag = new AtomicLong(-1);
    private volatile KafkaStreams streams;
    /** This instance's copy was loaded once: until then the instance is not ready (ResponseStoreReadiness). */
    private volatile boolean loaded;
    private volatile int partitions;
    private ScheduledExecutorService supervisor;
    private ExecutorService readers;
    private long nextSweep;
    private long nextLagMeasure;
    private static final long LAG_EVERY_MS = 5_000;

    ResponseStore(KafkaQueue queue, GatewayConfig config, ObjectMapper json, GatewayMetrics metrics) {
        this.queue = queue;
        this.config = config.responses();
        this.json = json;
        this.metrics = metrics;
        this.available = queue.enabled() && config.responses().enabled();
        this.replicationFactor = config.queue().replicationFactor().map(Short::intValue).orElse(-1);
        this.sessionTimeout = config.queue().workerSessionTimeout();
        if (available) {
            metrics.gauge(GatewayMetrics.RESPONSES_STORED, "Stored responses in this instance's copy of the store "
                    + "(RocksDB's estimate).", this::approximateCount);
            metrics.gauge(GatewayMetrics.RESPONSES_STORE_LAG, "Records of the responses topic this instance's copy "
                    + "has not applied yet (-1 until measured).", lag::get);
        }
    }

    /** Whether responses can be stored here: the queue is on and {@code gateway.responses.enabled}. */
    public boolean available() {
        return available;
    }

    /**
     * Whether reads can be answered here: storing is off, or this instance's copy of the store was loaded (Kafka
     * Streams started, its global store restored). Before that a read would wait out read-wait and fail.
     */
    public boolean loaded() {
        return !available || loaded;
    }

    /** Why not, for the client: the settings that turn storing on. */
    public static String unavailableReason() {
        return "responses are not stored on this gateway: stored and background responses need the Kafka queue "
                + "(gateway.queue.enabled=true with kafka.bootstrap.servers) and gateway.responses.enabled=true";
    }

    void start(@Observes @Priority(60) StartupEvent event) {
        if (!available) {
            return;
        }
        supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "responses-store");
            t.setDaemon(true);
            return t;
        });
        readers = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4096), r -> {
            Thread t = new Thread(r, "responses-read");
            t.setDaemon(true);
            return t;
        });
        supervisor.scheduleWithFixedDelay(this::supervise, 0, 500, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (supervisor != null) {
            supervisor.shutdownNow();
        }
        if (readers != null) {
            readers.shutdownNow();
        }
        KafkaStreams s = streams;
        if (s != null) {
            s.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(5)));
        }
    }

    /**
     * On the supervisor's thread: starts Kafka Streams once the queue has found its topics (a Streams application
     * whose source topic is missing fails), starts it again after a fatal error, measures the copy's lag, and
     * deletes expired responses.
     */
    private void supervise() {
        try {
            KafkaStreams s = streams;
            if (s == null) {
                if (queue.usable()) {
                    streams = create();
                    streams.start(); // returns once the global store has caught up with the topic
                    loaded = true;
                    LOG.infof("stored responses: Kafka Streams application '%s' started (state in %s)",
                            APPLICATION_ID, stateDir());
                }
                return;
            }
            if (s.state() == KafkaStreams.State.ERROR || s.state() == KafkaStreams.State.NOT_RUNNING) {
                LOG.warnf("stored responses: Kafka Streams is %s; starting it again", s.state());
                s.close(Duration.ofSeconds(5));
                streams = null;
                return;
            }
            if (s.state() == KafkaStreams.State.RUNNING || s.state() == KafkaStreams.State.REBALANCING) {
                long now = System.currentTimeMillis();
                if (now >= nextLagMeasure) {
                    // one ListOffsets request: every few seconds is enough for a gauge
                    nextLagMeasure = now + LAG_EVERY_MS;
                    measureLag();
                }
                if (now >= nextSweep) {
                    nextSweep = now + SWEEP_EVERY_MS;
                    sweep(now);
                }
            }
        } catch (Exception e) {
            LOG.warnf("stored responses: %s", KafkaQueue.rootMessage(e));
        }
    }

    private KafkaStreams create() {
        Properties p = new Properties();
        queue.clientConfig().forEach((k, v) -> p.put(k, v));
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        p.put(StreamsConfig.CLIENT_ID_CONFIG, APPLICATION_ID + "-" + queue.instanceId());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir().toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        // A stored response holds its input: the records are as large as queued requests may be.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), queue.maxRecordBytes());
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BUFFER_MEMORY_CONFIG),
                Math.max(32L << 20, (long) queue.maxRecordBytes() + (1L << 20)));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        // A dead instance's background runs move to another as soon as a dead worker's requests do.
        p.put(StreamsConfig.mainConsumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                (int) sessionTimeout.toMillis());
        p.put(StreamsConfig.mainConsumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.max(100, sessionTimeout.toMillis() / 4));
        KafkaStreams s = new KafkaStreams(topology(json, metrics, config.retention(), applied), p);
        s.setGlobalStateRestoreListener(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
                // A copy restarted on its state dir starts at its checkpoint: what lies before it is in the store
                // already and never passes the Applier again, so it counts as applied (else a partition with
                // nothing new since would never look caught up, and every miss would wait out read-wait: a 503).
                applied.merge(partition.partition(), startingOffset - 1, Math::max);
            }

            @Override
            public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long restored) {
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
            }
        });
        s.setUncaughtExceptionHandler(e -> {
            if (Thread.currentThread().getName().contains("GlobalStreamThread")) {
                // The global thread cannot be replaced: the client stops and the supervisor starts a new one.
                LOG.errorf(e, "stored responses: the global store's thread failed; Kafka Streams is started again");
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            LOG.errorf(e, "stored responses: a Kafka Streams thread failed; it is replaced");
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        return s;
    }

    /**
     * The application: the global store of {@code maverick.responses} (its applier records in {@code applied} how far
     * each partition got), and the aggregation of {@code maverick.responses.events} into stored responses.
     */
    static org.apache.kafka.streams.Topology topology(ObjectMapper json, GatewayMetrics metrics, Duration retention,
                                                      Map<Integer, Long> applied) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        Serdes.ByteArray()).withLoggingDisabled(), Topics.RESPONSES,
                Consumed.with(Serdes.String(), Serdes.ByteArray()), () -> new Applier(applied));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RUNS), Serdes.String(),
                Serdes.ByteArray()));
        builder.stream(Topics.RESPONSE_EVENTS, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .process(() -> new BackgroundAggregator(json, metrics, retention), RUNS)
                .to(Topics.RESPONSES, Produced.with(Serdes.String(), Serdes.ByteArray()));
        return builder.build();
    }

    private Path stateDir() {
        // Named after the instance and the cluster: a copy made from another cluster (a broker that came back
        // empty) is never taken for this one's.
        return config.stateDir().filter(d -> !d.isBlank()).map(Path::of).orElseGet(() ->
                Path.of(System.getProperty("java.io.tmpdir"), "maverick-responses-" + queue.instanceId() + "-"
                        + queue.clusterId()));
    }

    /** Applies the responses topic to the global store and records how far each partition got. */
    private static final class Applier implements Processor<String, byte[], Void, Void> {
        private final Map<Integer, Long> applied;
        private KeyValueStore<String, byte[]> store;
        private ProcessorContext<Void, Void> context;

        Applier(Map<Integer, Long> applied) {
            this.applied = applied;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            if (record.key() != null) {
                if (record.value() == null) {
                    store.delete(record.key());
                } else {
                    store.put(record.key(), record.value());
                }
            }
            context.recordMetadata().ifPresent(m -> applied.merge(m.partition(), m.offset(), Math::max));
            if (LOG.isDebugEnabled()) {
                LOG.debugf("response %s: applied (%s)", record.key(), record.value() == null ? "deleted" : "changed");
            }
        }
    }

    // ---- reads ----

    /** The response {@code id} as this instance's copy has it once caught up (off the event loop). */
    public Uni<Optional<StoredResponse>> find(String id) {
        return onReader(() -> findNow(id));
    }

    /**
     * Completes once the response {@code id} is stored as ended (its run's aggregation wrote it), or after
     * {@code gateway.responses.read-wait}: a background stream's last event waits for it, so that a read after the
     * stream ended reads the ended response.
     */
    public Uni<Void> awaitEnded(String id) {
        return onReader(() -> {
            long deadline = System.nanoTime() + config.readWait().toNanos();
            while (System.nanoTime() < deadline) {
                Optional<StoredResponse> s = findNow(id);
                if (s.isEmpty() || org.maverick.gateway.protocol.responses.Response.terminal(s.get().status())) {
                    return null;
                }
                Thread.sleep(20);
            }
            LOG.debugf("background response %s: its end was not stored within gateway.responses.read-wait", id);
            return null;
        });
    }

    /**
     * The conversation {@code previousId} continues, for {@code tenant}: the input and output items of each
     * response of the chain, oldest first. An unknown, deleted or foreign id anywhere in it is a 400 naming
     * {@code previous_response_id}.
     */
    public Uni<List<JsonNode>> conversation(String tenant, String previousId) {
        return onReader(() -> {
            List<StoredResponse> chain = new ArrayList<>();
            String id = previousId;
            while (id != null) {
                if (chain.size() >= config.maxChain()) {
                    throw new GatewayException.InvalidRequest("previous_response_id", "The conversation of '"
                            + previousId + "' is longer than " + config.maxChain() + " responses "
                            + "(gateway.responses.max-chain); start a new one with the whole input",
                            "previous_response_chain_too_long");
                }
                String at = id;
                StoredResponse s = findNow(id).filter(r -> r.tenant().equals(tenant)).orElseThrow(() ->
                        new GatewayException.InvalidRequest("previous_response_id", "Previous response with id '"
                                + at + "' not found.", "previous_response_not_found"));
                chain.add(s);
                id = s.previousResponseId();
            }
            Collections.reverse(chain);
            List<JsonNode> items = new ArrayList<>();
            chain.forEach(s -> items.addAll(InputItems.conversation(s)));
            return items;
        });
    }

    private <T> Uni<T> onReader(java.util.concurrent.Callable<T> work) {
        if (!available) {
            return Uni.createFrom().failure(new GatewayException.NotFound(404, unavailableReason()));
        }
        return Uni.createFrom().<T>emitter(e -> {
            try {
                readers.execute(() -> {
                    try {
                        e.complete(work.call());
                    } catch (Throwable t) {
                        e.fail(t);
                    }
                });
            } catch (RejectedExecutionException full) {
                e.fail(new GatewayException.BackendUnavailable("Too many reads of stored responses are waiting; "
                        + "retry shortly.", Duration.ofSeconds(1), full));
            }
        });
    }

    /**
     * The response as this copy has it once it caught up with the cluster: at once when the copy has it ended
     * (an ended response does not change, but for its deletion); otherwise (unknown here, or queued or in
     * progress, which a newer record may have ended) after this copy applied what the cluster had when the read
     * began. So a response accepted anywhere is never a 404, and one that ended anywhere is never read as still
     * running (a continuing conversation must see the earlier answer).
     */
    private Optional<StoredResponse> findNow(String id) throws Exception {
        long deadline = System.nanoTime() + config.readWait().toNanos();
        ReadOnlyKeyValueStore<String, byte[]> store = awaitStore(deadline);
        byte[] value = store.get(id);
        StoredResponse s = value == null ? null : json.readValue(value, StoredResponse.class);
        if (s == null || !org.maverick.gateway.protocol.responses.Response.terminal(s.status())) {
            awaitCaughtUp(deadline);
            value = store.get(id);
            s = value == null ? null : json.readValue(value, StoredResponse.class);
        }
        if (s == null) {
            return Optional.empty();
        }
        return s.expiresAtMillis() > 0 && s.expiresAtMillis() < System.currentTimeMillis() ? Optional.empty()
                : Optional.of(s);
    }

    private ReadOnlyKeyValueStore<String, byte[]> awaitStore(long deadline) throws InterruptedException {
        while (true) {
            KafkaStreams s = streams;
            // The global store answers while the partitioned part rebalances too.
            if (s != null && (s.state() == KafkaStreams.State.RUNNING
                    || s.state() == KafkaStreams.State.REBALANCING)) {
                try {
                    return s.store(StoreQueryParameters.fromNameAndType(STORE,
                            QueryableStoreTypes.<String, byte[]>keyValueStore()));
                } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                    // a rebalance or restart under way: wait as for a start
                }
            }
            if (System.nanoTime() > deadline) {
                throw new GatewayException.BackendUnavailable("The store of responses is not ready on this instance "
                        + "(Kafka Streams is " + (s == null ? "starting" : s.state()) + "); retry shortly.",
                        Duration.ofSeconds(2), null);
            }
            Thread.sleep(10);
        }
    }

    /** Waits until every partition of this copy has applied what the cluster had when the wait began. */
    private void awaitCaughtUp(long deadline) throws Exception {
        Map<TopicPartition, Long> end = endOffsets();
        while (true) {
            boolean caughtUp = true;
            for (var e : end.entrySet()) {
                if (e.getValue() > 0 && applied.getOrDefault(e.getKey().partition(), -1L) < e.getValue() - 1) {
                    caughtUp = false;
                    break;
                }
            }
            if (caughtUp) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new GatewayException.BackendUnavailable("This instance's copy of the stored responses is "
                        + "behind the cluster by more than gateway.responses.read-wait; retry shortly.",
                        Duration.ofSeconds(2), null);
            }
            Thread.sleep(5);
        }
    }

    private Map<TopicPartition, Long> endOffsets() throws Exception {
        if (partitions == 0) {
            partitions = queue.admin().describeTopics(List.of(Topics.RESPONSES)).allTopicNames()
                    .get(5, TimeUnit.SECONDS).get(Topics.RESPONSES).partitions().size();
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(Topics.RESPONSES, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : queue.admin().listOffsets(latest)
                .all().get(5, TimeUnit.SECONDS).entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }

    private void measureLag() throws Exception {
        long behind = 0;
        for (var e : endOffsets().entrySet()) {
            long at = applied.getOrDefault(e.getKey().partition(), -1L);
            behind += Math.max(0, e.getValue() - 1 - at);
        }
        lag.set(behind);
    }

    private Number approximateCount() {
        try {
            KafkaStreams s = streams;
            if (s == null || !s.state().isRunningOrRebalancing()) {
                return -1;
            }
            return s.store(StoreQueryParameters.fromNameAndType(STORE,
                    QueryableStoreTypes.<String, byte[]>keyValueStore())).approximateNumEntries();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Deletes (tombstones) the responses whose retention ended; every instance sweeps, a repeat is harmless. */
    private void sweep(long now) throws Exception {
        ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(STORE,
                QueryableStoreTypes.<String, byte[]>keyValueStore()));
        int expired = 0;
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                var kv = all.next();
                long expires = json.readTree(kv.value).path("expires_at_ms").asLong(0);
                if (expires > 0 && expires < now) {
                    write(kv.key, null);
                    expired++;
                }
            }
        }
        if (expired > 0) {
            LOG.infof("stored responses: %d past gateway.responses.retention deleted", expired);
        }
    }

    // ---- writes ----

    /** Writes a response (a new one, or a change of one); completes when the broker has it. */
    public Uni<Void> put(StoredResponse response) {
        byte[] value;
        try {
            value = json.writeValueAsBytes(response);
        } catch (Exception e) {
            return Uni.createFrom().failure(new GatewayException.Internal(e));
        }
        return Uni.createFrom().emitter(done -> write(response.id(), value, done));
    }

    /** Deletes a response (a tombstone); completes when the broker has it. */
    public Uni<Void> delete(String id) {
        return Uni.createFrom().emitter(done -> write(id, null, done));
    }

    /** The expiry a response written now gets. */
    public long expiresAt(long nowMillis) {
        return nowMillis + config.retention().toMillis();
    }

    private void write(String id, byte[] value) {
        write(id, value, null);
    }

    private void write(String id, byte[] value, io.smallrye.mutiny.subscription.UniEmitter<? super Void> done) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.RESPONSES, id, value);
        if (value != null) {
            record.headers().add(MessageHeaders.SCHEMA, StoredResponse.SCHEMA.getBytes(StandardCharsets.UTF_8));
        }
        queue.requestProducer().send(record, (m, e) -> {
            metrics.responseWritten(e == null ? "ok" : "failed");
            if (LOG.isDebugEnabled()) {
                LOG.debugf("response %s: %s at %s", id, value == null ? "deleted" : "written",
                        m == null ? e : m.partition() + "@" + m.offset());
            }
            if (done == null) {
                if (e != null) {
                    LOG.warnf("response %s: not written to %s: %s", id, Topics.RESPONSES, KafkaQueue.rootMessage(e));
                }
            } else if (e == null) {
                done.complete(null);
            } else {
                done.fail(new GatewayException.BackendUnavailable("The store of responses (Kafka) is unavailable; "
                        + "retry shortly.", Duration.ofSeconds(5), e));
            }
        });
    }
}
