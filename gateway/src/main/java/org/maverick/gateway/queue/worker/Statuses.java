package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.StatusTable;

import java.util.List;

/**
 * Request statuses: written to the compacted status topic (key = request id, co-partitioned with the
 * requests) and remembered in a {@link StatusCache}, which is loaded from the topic when the worker
 * is given request partitions. The cache takes a status at once, whether or not its write then
 * succeeds: this worker acts on what it decided; a failed write is only logged.
 *
 * <p>Poll thread only.
 */
final class Statuses {

    private static final Logger LOG = Logger.getLogger(Statuses.class);

    private final KafkaQueue queue;
    private final ObjectMapper json;
    private final StatusCache cache;

    Statuses(KafkaQueue queue, ObjectMapper json, StatusCache cache) {
        this.queue = queue;
        this.json = json;
        this.cache = cache;
    }

    /** The latest status known for {@code requestId}, or null. */
    Messages.Status latest(String requestId) {
        return cache.get(requestId);
    }

    void write(String id, String state, int attempt, String replyTopic) {
        Messages.Status s = new Messages.Status(Messages.VERSION, id, state, attempt, replyTopic, null, null,
                System.currentTimeMillis());
        cache.put(s);
        try {
            queue.requestProducer().send(new ProducerRecord<>(KafkaQueue.STATUS, id, json.writeValueAsBytes(s)), (m, e) -> {
                if (e != null) {
                    LOG.warnf("request %s: status %s not written: %s", id, state, KafkaQueue.rootMessage(e));
                }
            });
        } catch (Exception e) {
            LOG.warnf("request %s: status %s not written: %s", id, state, e.getMessage());
        }
    }

    /** Reads the statuses of the given request partitions (those of the status topic with the same numbers). */
    void load(List<Integer> requestPartitions) {
        cache.putAll(StatusTable.read(queue, json, requestPartitions));
    }
}
