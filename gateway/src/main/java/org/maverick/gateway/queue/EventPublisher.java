package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import org.maverick.gateway.api.openai.UsageDto;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Writes one generation's events to its reply topic, coalescing tokens: the first token goes out
 * at once, later ones are gathered for one window (about a display frame) and sent as one event,
 * so Kafka carries far fewer records than tokens without a visible delay. A terminal event flushes
 * what is gathered first.
 *
 * <p>Thread-safe: tokens arrive on a gRPC thread, the window's flush runs on the scheduler, and both
 * go through the same lock so that sends (and so offsets) keep the events' order.
 */
final class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final ObjectMapper json;
    private final ScheduledExecutorService scheduler;
    private final String topic;
    private final Integer partition;
    private final String requestId;
    private final int attempt;
    private final long windowNanos;
    private final boolean streamTokens;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder whole = new StringBuilder();
    private long seq;
    private boolean firstSent;
    private boolean closed;
    private ScheduledFuture<?> flush;

    EventPublisher(KafkaProducer<String, byte[]> producer, ObjectMapper json, ScheduledExecutorService scheduler,
                   String topic, Integer partition, String requestId, int attempt, long firstSeq, long windowNanos,
                   boolean streamTokens) {
        this.producer = producer;
        this.json = json;
        this.scheduler = scheduler;
        this.topic = topic;
        this.partition = partition;
        this.requestId = requestId;
        this.attempt = attempt;
        this.seq = firstSeq;
        this.windowNanos = windowNanos;
        this.streamTokens = streamTokens;
    }

    synchronized void token(String text) {
        if (closed) {
            return;
        }
        if (!streamTokens) {
            whole.append(text); // a non-streamed request gets the whole text in its final event
            return;
        }
        if (!firstSent) {
            firstSent = true;
            send(event(Messages.Event.TOKEN, text, null, null, null));
            return;
        }
        pending.append(text);
        if (windowNanos <= 0) {
            flushNow();
        } else if (flush == null) {
            flush = scheduler.schedule(this::flushFromTimer, windowNanos, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void flushFromTimer() {
        flush = null;
        if (!closed) {
            flushNow();
        }
    }

    private void flushNow() {
        if (pending.length() > 0) {
            send(event(Messages.Event.TOKEN, pending.toString(), null, null, null));
            pending.setLength(0);
        }
    }

    synchronized void finish(String finishReason, UsageDto usage) {
        if (closed) {
            return;
        }
        flushNow();
        send(event(Messages.Event.FINAL, streamTokens ? null : whole.toString(), finishReason, usage, null));
        close();
    }

    synchronized void fail(String type, Messages.ErrorBody error) {
        if (closed) {
            return;
        }
        flushNow();
        send(event(type, null, null, null, error));
        close();
    }

    /** Stops without a terminal event (the partition moved: another worker continues this request). */
    synchronized void abandon() {
        close();
    }

    private void close() {
        closed = true;
        if (flush != null) {
            flush.cancel(false);
            flush = null;
        }
    }

    private Messages.Event event(String type, String text, String finishReason, UsageDto usage,
                                 Messages.ErrorBody error) {
        return new Messages.Event(Messages.VERSION, requestId, seq++, attempt, type, text, finishReason, usage, error,
                System.currentTimeMillis());
    }

    private void send(Messages.Event event) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        producer.send(new ProducerRecord<>(topic, partition, requestId, body), (m, e) -> {
            if (e != null) {
                LOG.warnf("request %s: event %d (%s) not written to %s: %s", requestId, event.seq(), event.type(),
                        topic, KafkaQueue.rootMessage(e));
            }
        });
    }
}
