package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;

/** Consumer records for the worker's pure logic, built directly. */
final class Records {

    private Records() {
    }

    static ConsumerRecord<String, byte[]> request(int partition, long offset, String caller) {
        ConsumerRecord<String, byte[]> r = new ConsumerRecord<>(KafkaQueue.REQUESTS, partition, offset, "r-" + offset,
                new byte[0]);
        if (caller != null) {
            r.headers().add(MessageHeaders.CALLER, caller.getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

    static ConsumerRecord<String, byte[]> record(String topic, int partition, long offset, String key, String value) {
        return new ConsumerRecord<>(topic, partition, offset, key,
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
