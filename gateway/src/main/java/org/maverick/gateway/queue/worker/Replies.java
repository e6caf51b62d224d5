package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.queue.Continuation;
import org.maverick.gateway.queue.EventPublisher;
import org.maverick.gateway.queue.KafkaQueue;

/**
 * The reply side of a request: a publisher of its events on its reply topic (tokens coalesced by the
 * ticker all of this worker's streams share), and what earlier attempts already sent there.
 */
final class Replies {

    private final KafkaQueue queue;
    private final ObjectMapper json;
    private final EventPublisher.Ticker ticker;

    /** @param ticker the worker's shared flush tick; null sends every token as its own event */
    Replies(KafkaQueue queue, ObjectMapper json, EventPublisher.Ticker ticker) {
        this.queue = queue;
        this.json = json;
        this.ticker = ticker;
    }

    /** Publishes attempt {@code attempt} of request {@code id}, numbering its events from {@code firstSeq}. */
    EventPublisher publisher(String id, String replyTopic, int attempt, long firstSeq, boolean stream) {
        return new EventPublisher(queue.producer(), json, ticker, replyTopic, null, id, attempt, firstSeq, stream);
    }

    /** What the attempts before this one sent (a blocking read of one partition of the reply topic). */
    Continuation alreadySent(String replyTopic, String id, long createdAt) {
        return Continuation.read(queue, json, replyTopic, id, createdAt);
    }
}
