package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the status topic's partitions that match a worker's request partitions (they are
 * co-partitioned), latest status per request id, when the worker is given those partitions.
 */
public final class StatusTable {

    private static final Logger LOG = Logger.getLogger(StatusTable.class);

    private StatusTable() {
    }

    public static Map<String, Messages.Status> read(KafkaQueue queue, ObjectMapper json, List<Integer> partitions) {
        Map<String, Messages.Status> table = new HashMap<>();
        List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(KafkaQueue.STATUS, p)).toList();
        try (KafkaConsumer<String, byte[]> consumer = queue.consumer("status", Optional.empty(), Map.of())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(5));
            long deadline = System.currentTimeMillis() + 15_000;
            while (!caughtUp(consumer, end) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        table.remove(r.key());
                        continue;
                    }
                    try {
                        table.put(r.key(), json.readValue(r.value(), Messages.Status.class));
                    } catch (Exception e) {
                        LOG.warnf("unreadable status of %s at offset %d: %s", r.key(), r.offset(), e.getMessage());
                    }
                }
            }
        } catch (Exception e) {
            LOG.warnf("status partitions %s could not be read (%s): finished requests re-read after this "
                    + "rebalance may run again", partitions, KafkaQueue.rootMessage(e));
        }
        return table;
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
