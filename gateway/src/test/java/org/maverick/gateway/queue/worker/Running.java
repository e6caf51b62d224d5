package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.queue.Continuation;
import org.maverick.gateway.queue.EventPublisher;

import java.util.List;
import java.util.OptionalLong;

/** Running generations for the worker's pure logic: never started, so no engine and no Kafka is involved. */
final class Running {

    private Running() {
    }

    static RunningGeneration of(ConsumerRecord<String, byte[]> record) {
        String id = record.key();
        Generation g = new Generation(id, "m", Generation.Kind.CHAT, "p", 10, true,
                new Generation.Sampling(16, 0.5, 0.9, 0, 0, OptionalLong.empty()), List.of(), true, false, 0,
                Generation.Dispatch.DIRECT, RequestHeaders.caller(record));
        // A publisher that is only ever abandoned here sends nothing, so it needs no producer.
        EventPublisher publisher = new EventPublisher(null, new ObjectMapper(), null, "replies", null, id, 1, 0, true);
        return new RunningGeneration(record, g, 10, Continuation.NONE, publisher, "replies", 1, Span.getInvalid(), null);
    }
}
