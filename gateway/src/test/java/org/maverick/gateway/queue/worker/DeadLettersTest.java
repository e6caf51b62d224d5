package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A dead letter is the original record, unchanged, plus why and where it was. */
class DeadLettersTest {

    private static String header(ProducerRecord<String, byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void keepsKeyValueAndHeadersAndAddsReasonAndPlace() {
        ConsumerRecord<String, byte[]> original = Records.record(KafkaQueue.REQUESTS, 7, 1234, "req-1", "{not json");
        original.headers().add(MessageHeaders.CALLER, "svc".getBytes(StandardCharsets.UTF_8));
        ProducerRecord<String, byte[]> dead = DeadLetters.letter(original, "unreadable request: boom");
        assertEquals(KafkaQueue.DLQ, dead.topic());
        assertNull(dead.partition(), "partitioned by key like any record");
        assertEquals("req-1", dead.key());
        assertArrayEquals(original.value(), dead.value());
        assertEquals("svc", header(dead, MessageHeaders.CALLER));
        assertEquals("unreadable request: boom", header(dead, MessageHeaders.DLQ_REASON));
        assertEquals(KafkaQueue.REQUESTS, header(dead, MessageHeaders.DLQ_TOPIC));
        assertEquals("7", header(dead, MessageHeaders.DLQ_PARTITION));
        assertEquals("1234", header(dead, MessageHeaders.DLQ_OFFSET));
    }

    @Test
    void theOriginalRecordIsNotChanged() {
        ConsumerRecord<String, byte[]> original = Records.record(KafkaQueue.CONTROL, 0, 1, null, null);
        DeadLetters.letter(original, "unreadable control message");
        assertNull(original.headers().lastHeader(MessageHeaders.DLQ_REASON));
    }
}
