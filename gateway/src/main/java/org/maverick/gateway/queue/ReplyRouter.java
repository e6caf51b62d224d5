package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.telemetry.RepeatedWarnings;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings the events of this instance's queued requests back to the connections waiting for them.
 *
 * <p>Every instance has its own reply topic (one partition) and reads only that: reply routing
 * costs the same whatever the number of instances, and no instance ever reads another's tokens.
 * One thread polls it and hands each event to the sink registered for its request id. Sinks must
 * be registered before the request is sent (a fast worker could otherwise answer before anybody
 * listens); events for unknown ids (a client that left, a previous run of this instance) are
 * dropped.
 */
@ApplicationScoped
public class ReplyRouter {

    private static final Logger LOG = Logger.getLogger(ReplyRouter.class);

    /** Where a request's events go: each event with its offset, or the end of the stream when Kafka is gone. */
    public interface Sink {
        void event(Messages.Event event, long offset);

        /** Kafka has been unusable for longer than gateway.queue.outage-grace: end the stream with this. */
        void outage(GatewayException failure);
    }

    private final KafkaQueue queue;
    private final ObjectMapper json;
    private final Duration outageGrace;
    private final Map<String, Sink> sinks = new ConcurrentHashMap<>();
    private final RepeatedWarnings warnings = new RepeatedWarnings();
    /** Replaced on the router's thread after a new cluster; read by stop() to wake it. */
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private volatile boolean running;

    ReplyRouter(KafkaQueue queue, ObjectMapper json, GatewayConfig config) {
        this.queue = queue;
        this.json = json;
        this.outageGrace = config.queue().outageGrace();
    }

    void start(@Observes @Priority(60) StartupEvent event) {
        if (!queue.enabled()) {
            return;
        }
        consumer = newConsumer();
        running = true;
        thread = new Thread(this::run, "kafka-replies");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Registers the sink of a request's events (called on the router's thread, one event at a time). */
    void register(String requestId, Sink sink) {
        sinks.put(requestId, sink);
    }

    void unregister(String requestId) {
        sinks.remove(requestId);
    }

    public int pending() {
        return sinks.size();
    }

    private KafkaConsumer<String, byte[]> newConsumer() {
        return queue.consumer("replies", Optional.empty(), Map.of(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100));
    }

    /**
     * The router's loop. It reads the reply topic only while the probe says every topic exists: a consumer
     * left assigned to a topic that is gone (a broker back with empty storage) re-fetches at once on every
     * "unknown topic or partition" answer, thousands of times a second, each with a warning. So while the
     * queue is unusable the partition is unassigned and the loop waits; it is assigned again when the probe
     * has found (or re-created) the topic, at the position it had on the same cluster (events written
     * meanwhile are still delivered), or at the end of a new cluster's topic.
     */
    private void run() {
        TopicPartition partition = new TopicPartition(queue.replyTopic(), 0);
        boolean assigned = false;
        String cluster = null;
        long position = -1;
        while (running) {
            try {
                // A new cluster seen by a probe while this consumer stayed assigned (the broker came back empty
                // within one probe interval): start over with a new consumer, as after a longer outage.
                if (!queue.usable() || (assigned && !cluster.equals(queue.clusterId()))) {
                    if (assigned) {
                        consumer.assign(List.of());
                        assigned = false;
                        queue.replyAttached(false);
                    }
                    if (!queue.usable()) {
                        endStreamsAfterGrace();
                        Thread.sleep(100);
                        continue;
                    }
                }
                if (!assigned) {
                    if (cluster != null && !cluster.equals(queue.clusterId())) {
                        // Another cluster: the old consumer's metadata and position mean nothing there.
                        consumer.close(Duration.ZERO);
                        consumer = newConsumer();
                        position = -1;
                    }
                    cluster = queue.clusterId();
                    consumer.assign(List.of(partition));
                    if (position >= 0) {
                        consumer.seek(partition, position);
                    } else {
                        // Replies written before this start belong to requests nobody here waits for any more.
                        consumer.seekToEnd(List.of(partition));
                        position = consumer.position(partition, Duration.ofSeconds(5));
                    }
                    assigned = true;
                    queue.replyAttached(true);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    position = record.offset() + 1;
                    deliver(record);
                }
            } catch (WakeupException e) {
                // shutting down
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                warnings.log("consumer", "reply consumer: " + KafkaQueue.rootMessage(e) + "; retrying", LOG::warn);
                if (assigned) {
                    consumer.assign(List.of());
                    assigned = false;
                    queue.replyAttached(false);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        queue.replyAttached(false);
        consumer.close(Duration.ofSeconds(1));
    }

    /**
     * Kafka has been unusable for longer than the grace: no event of a waiting stream can arrive, so each
     * ends now with a clear error instead of at its idle timeout without one. Runs on the router's thread,
     * like every event delivery, so that a stream never sees an event and its end at the same time.
     */
    private void endStreamsAfterGrace() {
        Duration down = queue.unavailableFor();
        if (sinks.isEmpty() || down.compareTo(outageGrace) <= 0) {
            return;
        }
        GatewayException failure = new GatewayException.BackendUnavailable("The request queue (Kafka) has been "
                + "unavailable for " + down.toSeconds() + " s, longer than gateway.queue.outage-grace ("
                + outageGrace.toSeconds() + " s); the stream was ended. Retry the request.", Duration.ofSeconds(5), null);
        int ended = 0;
        for (var e : sinks.entrySet()) {
            if (sinks.remove(e.getKey(), e.getValue())) {
                try {
                    e.getValue().outage(failure);
                    ended++;
                } catch (RuntimeException ex) {
                    LOG.errorf(ex, "request %s: ending its stream failed", e.getKey());
                }
            }
        }
        LOG.warnf("ended %d queued streams: %s", ended, queue.notReadyReason());
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        Sink sink = record.key() == null ? null : sinks.get(record.key());
        if (sink == null) {
            return;
        }
        Messages.Event event;
        try {
            event = json.readValue(record.value(), Messages.Event.class);
        } catch (Exception e) {
            LOG.warnf("request %s: unreadable event at %s-%d offset %d: %s", record.key(), record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            return;
        }
        try {
            sink.event(event, record.offset());
        } catch (RuntimeException e) {
            LOG.errorf(e, "request %s: event sink failed", record.key());
        }
    }
}
