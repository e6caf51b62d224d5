package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GenerationEvent;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Replays a queued request's events from Kafka for a client that reconnects, then follows the live
 * ones until the request ends. It reads one partition from a known position (the offset after the
 * client's {@code Last-Event-ID}, or the request's creation time), so a replay never scans a topic.
 * Each resumed stream holds one consumer on a thread of its own: their number is bounded.
 */
@ApplicationScoped
public class ResumeReader {

    private static final Logger LOG = Logger.getLogger(ResumeReader.class);
    private static final int MAX_CONCURRENT = 256;

    private final KafkaQueue queue;
    private final QueuedBackend queued;
    private final ObjectMapper json;
    private final GatewayConfig.Queue config;
    private final ClientHolders holders;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kafka-resume");
        t.setDaemon(true);
        return t;
    });

    ResumeReader(KafkaQueue queue, QueuedBackend queued, ObjectMapper json, GatewayConfig config,
                 ClientHolders holders) {
        this.holders = holders;
        this.queue = queue;
        this.queued = queued;
        this.json = json;
        this.config = config.queue();
    }

    void stop(@Observes ShutdownEvent event) {
        threads.shutdownNow();
    }

    /**
     * The events after {@code afterOffset} (or all of them when it is empty). Completes after the
     * request's final event, fails with its error; cancelling stops the read and tells the worker the
     * client left again.
     */
    public Multi<GenerationEvent> events(ResumeTokens.Location at, Optional<Long> afterOffset) {
        if (!queue.ready()) {
            return Multi.createFrom().failure(new GatewayException.BackendUnavailable(
                    "The request queue is unavailable; retry shortly.", Duration.ofSeconds(5), null));
        }
        if (!slots.tryAcquire()) {
            return Multi.createFrom().failure(new GatewayException.BackendUnavailable(
                    "Too many resumed streams on this instance; retry shortly.", Duration.ofSeconds(2), null));
        }
        return Multi.createFrom().emitter(emitter -> {
            AtomicBoolean finished = new AtomicBoolean();
            AtomicBoolean cancelled = new AtomicBoolean();
            // This instance holds the client now: its heartbeats list the request (whoever took it).
            holders.hold(at.requestId());
            emitter.onTermination(() -> {
                holders.release(at.requestId());
                if (finished.compareAndSet(false, true)) {
                    cancelled.set(true);
                    queued.sendControl(at.requestId(), Messages.Control.CLIENT_GONE, config.resumeGrace().toMillis());
                }
            });
            // The client is back: a pending grace-period cancel must not fire.
            queued.sendControl(at.requestId(), Messages.Control.CLIENT_BACK, null);
            threads.execute(() -> {
                try {
                    read(at, afterOffset, emitter, finished, cancelled);
                } finally {
                    slots.release();
                }
            });
        }, BackPressureStrategy.BUFFER);
    }

    /**
     * The events of a request nobody holds (a background response) from its start, then the live ones until it
     * ends: one partition of {@code topic} (the key's, as the producer's partitioner chose it), from
     * {@code sinceMillis}. Unlike {@link #events} it sends no control message: a reader leaving cancels nothing.
     */
    public Multi<GenerationEvent> follow(String requestId, String topic, long sinceMillis) {
        if (!queue.ready()) {
            return Multi.createFrom().failure(new GatewayException.BackendUnavailable(
                    "The request queue is unavailable; retry shortly.", Duration.ofSeconds(5), null));
        }
        if (!slots.tryAcquire()) {
            return Multi.createFrom().failure(new GatewayException.BackendUnavailable(
                    "Too many followed streams on this instance; retry shortly.", Duration.ofSeconds(2), null));
        }
        ResumeTokens.Location at = new ResumeTokens.Location(requestId, topic, -1, sinceMillis, "response", false);
        return Multi.createFrom().emitter(emitter -> {
            AtomicBoolean finished = new AtomicBoolean();
            AtomicBoolean cancelled = new AtomicBoolean();
            emitter.onTermination(() -> {
                if (finished.compareAndSet(false, true)) {
                    cancelled.set(true);
                }
            });
            threads.execute(() -> {
                try {
                    read(at, Optional.empty(), emitter, finished, cancelled);
                } finally {
                    slots.release();
                }
            });
        }, BackPressureStrategy.BUFFER);
    }

    /** The partition the producer's default partitioner gives a keyed record ({@code BuiltInPartitioner}). */
    static int partitionOf(String key, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
    }

    private void read(ResumeTokens.Location at, Optional<Long> afterOffset, MultiEmitter<? super GenerationEvent> emitter,
                      AtomicBoolean finished, AtomicBoolean cancelled) {
        long deadline = System.currentTimeMillis() + config.resumeMaxDuration().toMillis();
        try (KafkaConsumer<String, byte[]> consumer = queue.consumer("resume", Optional.empty(), Map.of())) {
            int partition = at.partition() >= 0 ? at.partition()
                    : partitionOf(at.requestId(), consumer.partitionsFor(at.topic(), Duration.ofSeconds(5)).size());
            TopicPartition tp = new TopicPartition(at.topic(), partition);
            consumer.assign(List.of(tp));
            if (afterOffset.isPresent()) {
                consumer.seek(tp, afterOffset.get() + 1);
            } else {
                OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(tp, at.since()), Duration.ofSeconds(5))
                        .get(tp);
                if (start == null) {
                    consumer.seekToEnd(List.of(tp)); // nothing written since: follow what comes
                } else {
                    consumer.seek(tp, start.offset());
                }
            }
            while (!finished.get() && !cancelled.get() && System.currentTimeMillis() < deadline) {
                Duration down = queue.unavailableFor();
                if (down.compareTo(config.outageGrace()) > 0) {
                    // As for live streams (ReplyRouter): no event can come while Kafka is away; end clearly.
                    if (finished.compareAndSet(false, true)) {
                        emitter.fail(new GatewayException.BackendUnavailable("The request queue (Kafka) has been "
                                + "unavailable for " + down.toSeconds() + " s, longer than gateway.queue.outage-grace; "
                                + "the resumed stream was ended. Retry shortly.", Duration.ofSeconds(5), null));
                    }
                    return;
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!at.requestId().equals(r.key())) {
                        continue;
                    }
                    QueuedBackend.relayEvent(emitter, finished, json.readValue(r.value(), Messages.Event.class),
                            r.offset());
                    if (finished.get()) {
                        break;
                    }
                }
            }
            if (!finished.get() && !cancelled.get() && finished.compareAndSet(false, true)) {
                emitter.fail(new GatewayException.Timeout("The resumed stream ended before the generation did."));
            }
        } catch (Exception e) {
            if (finished.compareAndSet(false, true)) {
                LOG.warnf("request %s: resume failed: %s", at.requestId(), KafkaQueue.rootMessage(e));
                emitter.fail(new GatewayException.BackendUnavailable("The request queue is unavailable; retry shortly.",
                        Duration.ofSeconds(5), e));
            }
        }
    }
}
