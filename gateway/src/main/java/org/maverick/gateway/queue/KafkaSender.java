package org.maverick.gateway.queue;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;
import org.maverick.gateway.telemetry.RepeatedWarnings;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One Kafka producer behind a bounded queue and a thread of its own, so that no caller ever waits for
 * the broker. {@code KafkaProducer.send} can block its caller for up to {@code max.block.ms} (waiting
 * for a topic's metadata, or for room in its buffer); called on a Vert.x event loop that froze every
 * HTTP and gRPC connection of the loop while Kafka was away. Here {@link #send} only enqueues, and the
 * sender's thread makes the producer calls one after another, in the order they were enqueued (so
 * each request's events keep their order and offsets).
 *
 * <p>What waits for the broker is bounded: at most {@link #maxRecords} records and {@link #maxBytes}
 * bytes in this queue (then the producer's own {@code buffer.memory} and {@code delivery.timeout.ms}).
 * A record is refused at once, its callback called with a {@link Refused} on the caller's thread (as
 * {@code KafkaProducer.send} does for errors it sees at once), when the queue is full, when the Kafka
 * queue is known to be unusable (the probe found the cluster away or a topic missing), or after close.
 * Records that were waiting when the queue became unusable are refused too rather than handed to a
 * producer that would only hold them until their delivery timeout.
 */
public final class KafkaSender {

    private static final Logger LOG = Logger.getLogger(KafkaSender.class);
    /** Control messages kept for when Kafka is back, at most (the oldest go first past it). */
    static final int MAX_DEFERRED = 4096;

    /** A record refused before it reached the producer: it was never written, and never will be. */
    public static final class Refused extends KafkaException {
        Refused(String message) {
            super(message);
        }
    }

    private record Pending(ProducerRecord<String, byte[]> record, Callback callback, int bytes) {
    }

    private final String name;
    private final Supplier<Producer<String, byte[]>> factory;
    private final BooleanSupplier usable;
    private final Supplier<String> whyUnusable;
    private final int maxRecords;
    private final long maxBytes;
    private final ArrayBlockingQueue<Pending> queue;
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Records to send once Kafka is usable again (control messages): bounded by {@link #MAX_DEFERRED}. */
    private final ArrayDeque<Pending> deferred = new ArrayDeque<>();
    private final RepeatedWarnings warnings = new RepeatedWarnings();
    private final Thread thread;
    /** Only the sender's thread uses the producer (and replaces it). */
    private Producer<String, byte[]> producer;
    private volatile boolean renew;
    private volatile boolean closed;
    private volatile long closeDeadline;

    /**
     * @param factory     makes the producer, now and again after {@link #renew()} (a new cluster)
     * @param usable      whether Kafka is usable now (the probe's verdict)
     * @param whyUnusable the reason when it is not, for the refusal's message
     */
    KafkaSender(String name, Supplier<Producer<String, byte[]>> factory, BooleanSupplier usable,
                Supplier<String> whyUnusable, int maxRecords, long maxBytes) {
        this.name = name;
        this.factory = factory;
        this.usable = usable;
        this.whyUnusable = whyUnusable;
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.queue = new ArrayBlockingQueue<>(maxRecords);
        this.producer = factory.get();
        this.thread = new Thread(this::run, "kafka-send-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Sends a record without waiting: {@code callback} gets the record's metadata or its failure, on the
     * producer's I/O thread, or on the caller's thread at once when the record is refused ({@link Refused}).
     */
    public void send(ProducerRecord<String, byte[]> record, Callback callback) {
        String refusal = closed ? "the gateway is shutting down"
                : !usable.getAsBoolean() ? "the queue is unavailable: " + whyUnusable.get() : null;
        if (refusal == null) {
            refusal = enqueue(new Pending(record, callback, size(record)));
        }
        if (refusal != null) {
            callback.onCompletion(null, new Refused("Not sent to " + record.topic() + ": " + refusal));
        }
    }

    /**
     * Like {@link #send}, but while Kafka is unusable the record is kept (at most {@value #MAX_DEFERRED}
     * of them, the oldest dropped first) and sent once it is usable again, before anything newer: for
     * control messages that must reach the worker even when they were decided during an outage (a
     * cancel for a request whose client was told it failed).
     */
    public void sendWhenUsable(ProducerRecord<String, byte[]> record, Callback callback) {
        if (closed || usable.getAsBoolean()) {
            send(record, callback);
            return;
        }
        Pending dropped = null;
        synchronized (deferred) {
            if (deferred.size() >= MAX_DEFERRED) {
                dropped = deferred.pollFirst();
            }
            deferred.addLast(new Pending(record, callback, size(record)));
        }
        if (dropped != null) {
            dropped.callback().onCompletion(null, new Refused("Not sent to " + dropped.record().topic() + ": more than "
                    + MAX_DEFERRED + " records waited for Kafka to come back; the oldest was dropped"));
        }
    }

    /** Replaces the producer before the next record (the cluster was replaced: its producer state is void). */
    void renew() {
        renew = true;
    }

    /** Records waiting in this queue now (not yet handed to the producer). */
    public int queued() {
        return queue.size();
    }

    /**
     * Stops taking records, hands what is queued to the producer while {@code timeout} lasts (refusing the
     * rest), then closes the producer with what is left of it. Blocks the caller at most about {@code timeout}.
     */
    void close(Duration timeout) {
        closeDeadline = System.nanoTime() + timeout.toNanos();
        closed = true;
        try {
            thread.join(Math.max(1, timeout.toMillis() + 500));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    private String enqueue(Pending p) {
        // Bytes are reserved before the record is queued, so that concurrent senders cannot overshoot together.
        if (queuedBytes.addAndGet(p.bytes()) > maxBytes) {
            queuedBytes.addAndGet(-p.bytes());
            return full();
        }
        if (!queue.offer(p)) {
            queuedBytes.addAndGet(-p.bytes());
            return full();
        }
        return null;
    }

    private String full() {
        return "the " + name + " send queue is full (" + maxRecords + " records or " + (maxBytes >> 20)
                + " MiB wait for the broker)";
    }

    private void run() {
        try {
            while (!closed || !queue.isEmpty()) {
                if (usable.getAsBoolean()) {
                    sendDeferred();
                }
                Pending p = queue.poll(100, TimeUnit.MILLISECONDS);
                if (p == null) {
                    continue;
                }
                queuedBytes.addAndGet(-p.bytes());
                if (closed && System.nanoTime() > closeDeadline) {
                    p.callback().onCompletion(null, new Refused("Not sent to " + p.record().topic()
                            + ": the gateway shut down before Kafka took it"));
                } else if (!closed && !usable.getAsBoolean()) {
                    // It waited here while the queue became unusable: the caller learns it now, not after
                    // the producer's delivery timeout, and it is never written late.
                    p.callback().onCompletion(null, new Refused("Not sent to " + p.record().topic()
                            + ": the queue became unavailable: " + whyUnusable.get()));
                } else {
                    hand(p);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            refuseDeferred();
            long left = Math.max(0, closeDeadline - System.nanoTime());
            producer.close(Duration.ofNanos(left));
        }
    }

    private void hand(Pending p) {
        // Checked before every hand-over, not only between polls: a record taken while the probe asked for a
        // new producer must not go to the old cluster's producer.
        if (renew) {
            renew = false;
            replaceProducer();
        }
        try {
            // May block this thread (never a caller) for up to max.block.ms: metadata of a topic not yet
            // known, or a full producer buffer.
            producer.send(p.record(), p.callback());
        } catch (RuntimeException e) {
            p.callback().onCompletion(null, e);
        }
    }

    private void sendDeferred() {
        while (true) {
            Pending p;
            synchronized (deferred) {
                p = deferred.pollFirst();
            }
            if (p == null) {
                return;
            }
            hand(p);
        }
    }

    private void refuseDeferred() {
        while (true) {
            Pending p;
            synchronized (deferred) {
                p = deferred.pollFirst();
            }
            if (p == null) {
                return;
            }
            p.callback().onCompletion(null, new Refused("Not sent to " + p.record().topic()
                    + ": the gateway shut down while Kafka was away"));
        }
    }

    private void replaceProducer() {
        Producer<String, byte[]> old = producer;
        try {
            producer = factory.get();
        } catch (RuntimeException e) {
            warnings.log("renew", "Kafka " + name + " producer could not be re-created (keeping the old one): "
                    + KafkaQueue.rootMessage(e), LOG::warn);
            return;
        }
        // Records still in the old producer were meant for the old cluster: they fail now instead of after
        // their delivery timeout.
        old.close(Duration.ZERO);
        LOG.infof("Kafka %s producer re-created for the new cluster", name);
    }

    private static int size(ProducerRecord<String, byte[]> record) {
        int n = 64 + (record.key() == null ? 0 : record.key().length()) + (record.value() == null ? 0 : record.value().length);
        for (Header h : record.headers()) {
            n += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return n;
    }
}
