package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a request record's headers say, with their defaults. */
class RequestHeadersTest {

    private static ConsumerRecord<String, byte[]> with(String name, String value) {
        ConsumerRecord<String, byte[]> r = Records.request(0, 0, null);
        r.headers().add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    @Test
    void withoutHeadersTheCallerIsAnonymousAndTheEventsGoToTheSharedTopic() {
        ConsumerRecord<String, byte[]> r = Records.request(0, 0, null);
        assertEquals("anonymous", RequestHeaders.caller(r));
        assertEquals(KafkaQueue.EVENTS, RequestHeaders.replyTopic(r));
    }

    @Test
    void headersNameCallerAndReplyTopic() {
        assertEquals("billing", RequestHeaders.caller(with(MessageHeaders.CALLER, "billing")));
        assertEquals("maverick.replies.gw-1", RequestHeaders.replyTopic(with(MessageHeaders.REPLY_TOPIC,
                "maverick.replies.gw-1")));
    }

    @Test
    void blankOrEmptyHeadersCountAsAbsent() {
        assertEquals("anonymous", RequestHeaders.caller(with(MessageHeaders.CALLER, "  ")));
        assertEquals(KafkaQueue.EVENTS, RequestHeaders.replyTopic(with(MessageHeaders.REPLY_TOPIC, null)));
    }

    @Test
    void theLastOfARepeatedHeaderCounts() {
        ConsumerRecord<String, byte[]> r = with(MessageHeaders.CALLER, "first");
        r.headers().add(MessageHeaders.CALLER, "second".getBytes(StandardCharsets.UTF_8));
        assertEquals("second", RequestHeaders.caller(r));
    }
}
