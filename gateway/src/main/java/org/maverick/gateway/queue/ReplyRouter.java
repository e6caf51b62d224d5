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

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

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

    private final KafkaQueue queue;
    private final ObjectMapper json;
    private final Map<String, BiConsumer<Messages.Event, Long>> sinks = new ConcurrentHashMap<>();
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private volatile boolean running;

    ReplyRouter(KafkaQueue queue, ObjectMapper json) {
        this.queue = queue;
        this.json = json;
    }

    void start(@Observes @Priority(60) StartupEvent event) {
        if (!queue.enabled()) {
            return;
        }
        consumer = queue.consumer("replies", Optional.empty(), Map.of(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100));
        running = true;
        thread = new Thread(this::run, "kafka-replies");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Registers the sink of a request's events (called with the event and its offset, on the router's thread). */
    void register(String requestId, BiConsumer<Messages.Event, Long> sink) {
        sinks.put(requestId, sink);
    }

    void unregister(String requestId) {
        sinks.remove(requestId);
    }

    public int pending() {
        return sinks.size();
    }

    private void run() {
        TopicPartition partition = new TopicPartition(queue.replyTopic(), 0);
        boolean assigned = false;
        while (running) {
            try {
                if (!assigned) {
                    if (!queue.ready()) {
                        Thread.sleep(200);
                        continue;
                    }
                    consumer.assign(List.of(partition));
                    // Replies written before this start belong to requests nobody here waits for any more.
                    consumer.seekToEnd(List.of(partition));
                    consumer.position(partition);
                    assigned = true;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    deliver(record);
                }
            } catch (WakeupException e) {
                // shutting down
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warnf("reply consumer: %s; retrying", KafkaQueue.rootMessage(e));
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        consumer.close(Duration.ofSeconds(1));
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        BiConsumer<Messages.Event, Long> sink = record.key() == null ? null : sinks.get(record.key());
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
            sink.accept(event, record.offset());
        } catch (RuntimeException e) {
            LOG.errorf(e, "request %s: event sink failed", record.key());
        }
    }
}
