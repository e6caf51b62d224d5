package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import org.maverick.gateway.protocol.UsageDto;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes one generation's events to its reply topic, coalescing tokens: the first token goes out
 * at once, later ones are gathered until the next tick of a {@link Ticker} shared by every stream
 * of the worker (one window, about a display frame, so at most that long) and sent as one event, so
 * Kafka carries far fewer records than tokens without a visible delay. A terminal event flushes what
 * is gathered first.
 *
 * <p>Thread-safe: tokens arrive on a gRPC thread, the tick's flush runs on the scheduler, and both go
 * through the same lock so that sends (and so offsets) keep the events' order.
 */
public final class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final ObjectMapper json;
    private final Ticker ticker;
    private final String topic;
    private final Integer partition;
    private final String requestId;
    private final int attempt;
    private final boolean streamTokens;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder whole = new StringBuilder();
    private long seq;
    private boolean firstSent;
    private boolean closed;
    /** Registered with the ticker for its next tick (text is pending). */
    private boolean ticking;
    /** The engine's count of completion tokens as of the latest text given (null: not counted). */
    private Integer tokensSoFar;

    public EventPublisher(KafkaProducer<String, byte[]> producer, ObjectMapper json, Ticker ticker,
                   String topic, Integer partition, String requestId, int attempt, long firstSeq,
                   boolean streamTokens) {
        this.producer = producer;
        this.json = json;
        this.ticker = ticker;
        this.topic = topic;
        this.partition = partition;
        this.requestId = requestId;
        this.attempt = attempt;
        this.seq = firstSeq;
        this.streamTokens = streamTokens;
    }

    /**
     * As {@link #token(String)}, with the engine's count of this attempt's completion tokens so far
     * (negative: not counted); each token event carries the count as of its last text.
     */
    public synchronized void token(String text, int completionTokensSoFar) {
        if (completionTokensSoFar >= 0) {
            tokensSoFar = completionTokensSoFar;
        }
        token(text);
    }

    public synchronized void token(String text) {
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
        if (ticker == null) {
            flushNow(); // no window: every token is its own event
        } else if (!ticking) {
            ticking = true;
            ticker.add(this);
        }
    }

    private synchronized void flushFromTick() {
        ticking = false;
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

    public synchronized void finish(String finishReason, UsageDto usage) {
        if (closed) {
            return;
        }
        flushNow();
        send(event(Messages.Event.FINAL, streamTokens ? null : whole.toString(), finishReason, usage, null));
        close();
    }

    public synchronized void fail(String type, Messages.ErrorBody error) {
        if (closed) {
            return;
        }
        flushNow();
        send(event(type, null, null, null, error));
        close();
    }

    /** Stops without a terminal event (the partition moved: another worker continues this request). */
    public synchronized void abandon() {
        close();
    }

    private void close() {
        closed = true; // a tick still due finds it closed and sends nothing
    }

    /**
     * One periodic task for every stream of a worker: each tick flushes the publishers that gathered
     * text since the last. A timer per stream and window would wake the scheduler for every engine
     * response; this wakes it once per window however many streams run.
     */
    public static final class Ticker {
        private final java.util.concurrent.ConcurrentLinkedQueue<EventPublisher> due =
                new java.util.concurrent.ConcurrentLinkedQueue<>();

        /** A ticker every {@code windowNanos} on {@code scheduler}, or null for no coalescing (0). */
        public static Ticker every(ScheduledExecutorService scheduler, long windowNanos) {
            if (windowNanos <= 0) {
                return null;
            }
            Ticker t = new Ticker();
            scheduler.scheduleAtFixedRate(t::tick, windowNanos, windowNanos, TimeUnit.NANOSECONDS);
            return t;
        }

        void add(EventPublisher p) {
            due.add(p);
        }

        void tick() {
            // Only the publishers queued before this tick began: one that queues itself again while
            // the tick runs waits for the next, so a tick always ends.
            for (int n = due.size(); n > 0; n--) {
                EventPublisher p = due.poll();
                if (p == null) {
                    return;
                }
                try {
                    p.flushFromTick();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "request %s: flushing its tokens failed", p.requestId);
                }
            }
        }
    }

    private Messages.Event event(String type, String text, String finishReason, UsageDto usage,
                                 Messages.ErrorBody error) {
        return new Messages.Event(Messages.VERSION, requestId, seq++, attempt, type, text, finishReason, usage, error,
                System.currentTimeMillis(), Messages.Event.TOKEN.equals(type) ? tokensSoFar : null);
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
