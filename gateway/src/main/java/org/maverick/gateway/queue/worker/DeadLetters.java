package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Records the worker cannot use go to the dead-letter topic unchanged (key, value and headers), with
 * the reason and the original place added as headers. Sending is asynchronous; a failed send is only
 * logged, since the record stays readable at its original place.
 */
final class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final KafkaQueue queue;

    DeadLetters(KafkaQueue queue) {
        this.queue = queue;
    }

    void send(ConsumerRecord<String, byte[]> record, String reason) {
        LOG.warnf("record %s-%d@%d (key %s) to the dead-letter topic: %s", record.topic(), record.partition(),
                record.offset(), record.key(), reason);
        queue.requestProducer().send(letter(record, reason), (m, e) -> {
            if (e != null) {
                LOG.errorf("record %s-%d@%d could not be dead-lettered: %s", record.topic(), record.partition(),
                        record.offset(), KafkaQueue.rootMessage(e));
            }
        });
    }

    /** The dead letter of {@code record}: its key, value and headers, plus the reason and where it was. */
    static ProducerRecord<String, byte[]> letter(ConsumerRecord<String, byte[]> record, String reason) {
        ProducerRecord<String, byte[]> dead = new ProducerRecord<>(KafkaQueue.DLQ, null, record.key(), record.value(),
                record.headers());
        dead.headers().add(MessageHeaders.DLQ_REASON, reason.getBytes(StandardCharsets.UTF_8));
        dead.headers().add(MessageHeaders.DLQ_TOPIC, record.topic().getBytes(StandardCharsets.UTF_8));
        dead.headers().add(MessageHeaders.DLQ_PARTITION, Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8));
        dead.headers().add(MessageHeaders.DLQ_OFFSET, Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
        return dead;
    }
}
