package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;
import org.maverick.gateway.queue.KafkaQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Reads every partition of the control topic, outside the consumer group, on a thread of its own,
 * and hands the records to the poll thread through a bounded queue (full: this thread waits, and
 * Kafka keeps the rest).
 *
 * <p>Why outside the group: a worker must see the cancel, client_gone and client_back of a request
 * whichever partitions the group gives it, now or after a rebalance (an incremental assignor does not
 * keep a worker's request and control partition numbers equal), and a worker that takes a request
 * over must already know that its client left. So every worker reads all control messages and acts on
 * the requests it runs, remembering the others (bounded). It starts {@code lookback} in the past (a
 * request older than its time to live is not run anyway), and {@link #caughtUp()} says when it has
 * read what was there at its start: the worker takes no request before that, so no request starts
 * whose cancel was already written.
 */
final class ControlReader {

    private static final Logger LOG = Logger.getLogger(ControlReader.class);
    static final int CAPACITY = 10_000;
    /**
     * The control consumer's {@code fetch.max.wait.ms}. A fetch that finds nothing waits at the broker until a
     * record arrives or this passes, so it bounds no latency: a control record is returned as soon as it is
     * written, whatever this is (measured on the embedded broker: produce to poll p50 5-9 ms with 10 ms and
     * with 500 ms alike). It only sets how often an idle reader asks: 10 ms was 100 empty fetches a second
     * (2.6 µs of gateway CPU per relayed token in the direct-mode benchmark, and the broker's answers);
     * 500 ms, Kafka's default, is 2.
     */
    static final int FETCH_MAX_WAIT_MS = 500;

    private final KafkaQueue queue;
    private final long lookbackMs;
    private final BlockingQueue<ConsumerRecord<String, byte[]>> records = new ArrayBlockingQueue<>(CAPACITY);
    private volatile boolean caughtUp;
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    ControlReader(KafkaQueue queue, long lookbackMs) {
        this.queue = queue;
        this.lookbackMs = lookbackMs;
    }

    void start() {
        thread = new Thread(this::run, "kafka-control");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        stopping = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(2000);
                if (thread.isAlive()) {
                    thread.interrupt(); // waiting to hand records to a poll thread that has stopped
                    thread.join(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether everything written to the control topic before this reader started has been handed over. */
    boolean caughtUp() {
        return caughtUp;
    }

    /** Hands the records read so far to {@code handler} (poll thread), at most {@code max} of them. */
    int drain(Consumer<ConsumerRecord<String, byte[]>> handler, int max) {
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(Math.min(max, 256));
        records.drainTo(batch, max);
        batch.forEach(handler);
        return batch.size();
    }

    private void run() {
        while (!stopping) {
            try {
                if (!queue.ready()) {
                    Thread.sleep(200);
                    continue;
                }
                read();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (WakeupException e) {
                // stopping
            } catch (RuntimeException e) {
                LOG.warnf("control reader: %s; starting again", KafkaQueue.rootMessage(e));
                sleepQuietly(500);
            }
        }
    }

    private void read() throws InterruptedException {
        try (KafkaConsumer<String, byte[]> c = queue.consumer("control", Optional.empty(), Map.of(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_MAX_WAIT_MS))) {
            consumer = c;
            List<PartitionInfo> infos = c.partitionsFor(KafkaQueue.CONTROL, Duration.ofSeconds(10));
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(partitions);
            long from = System.currentTimeMillis() - lookbackMs;
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(tp -> times.put(tp, from));
            Map<TopicPartition, OffsetAndTimestamp> starts = c.offsetsForTimes(times, Duration.ofSeconds(10));
            Map<TopicPartition, Long> ends = c.endOffsets(partitions, Duration.ofSeconds(10));
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp start = starts.get(tp);
                c.seek(tp, start == null ? ends.get(tp) : start.offset());
            }
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    records.put(r); // waits while the poll thread is behind: bounded
                }
                if (!caughtUp && reached(c, ends)) {
                    caughtUp = true;
                    LOG.debugf("control reader caught up on %d partitions", partitions.size());
                }
            }
        } finally {
            consumer = null;
        }
    }

    private static boolean reached(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> ends) {
        for (var e : ends.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
