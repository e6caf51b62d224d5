package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.request.RequestValidator;
import org.maverick.kafka.MessageHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** What the headers of a request record say; a blank header counts as absent. */
final class RequestHeaders {

    private RequestHeaders() {
    }

    /** Who asked: the tenant or service named in the caller header, or the anonymous caller. */
    static String caller(ConsumerRecord<String, byte[]> record) {
        return header(record, MessageHeaders.CALLER).orElse(RequestValidator.ANONYMOUS);
    }

    /** Where the request's events go: its reply-topic header, or the shared events topic. */
    static String replyTopic(ConsumerRecord<String, byte[]> record) {
        return header(record, MessageHeaders.REPLY_TOPIC).orElse(KafkaQueue.EVENTS);
    }

    /** The last value of header {@code name} as UTF-8 text, unless absent or blank. */
    static Optional<String> header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? Optional.empty()
                : Optional.of(new String(h.value(), StandardCharsets.UTF_8)).filter(s -> !s.isBlank());
    }
}
