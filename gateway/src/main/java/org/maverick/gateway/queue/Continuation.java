package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;
import org.maverick.gateway.prompt.TokenCounter;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an interrupted generation already sent: read back from its reply topic so that the next
 * attempt continues the same answer (the prompt plus the text sent so far) instead of restarting it.
 * The read is bounded: one partition, from the request's creation time to the end offset at the start
 * of the read.
 *
 * @param text     the completion text already sent, in order
 * @param nextSeq  the sequence number the next event takes
 * @param finished whether a terminal event was already written (then nothing is to be run)
 * @param toolCalls tool calls already sent (each complete: a call is only ever written whole)
 */
public record Continuation(String text, long nextSeq, boolean finished, int toolCalls) {

    private static final Logger LOG = Logger.getLogger(Continuation.class);
    public static final Continuation NONE = new Continuation("", 0, false, 0);

    public int tokens(TokenCounter counter) {
        return text.isEmpty() ? 0 : counter.countText(text);
    }

    public static Continuation read(KafkaQueue queue, ObjectMapper json, String topic, String requestId, long createdAt) {
        try (KafkaConsumer<String, byte[]> consumer = queue.consumer("continuation", Optional.empty(), Map.of())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (partitions == null || partitions.isEmpty()) {
                return NONE;
            }
            int p = Utils.toPositive(Utils.murmur2(requestId.getBytes(StandardCharsets.UTF_8))) % partitions.size();
            TopicPartition tp = new TopicPartition(topic, p);
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(5)).get(tp);
            OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(tp, Math.max(0, createdAt - 1000)),
                    Duration.ofSeconds(5)).get(tp);
            if (start == null) {
                return NONE;
            }
            consumer.seek(tp, start.offset());
            StringBuilder text = new StringBuilder();
            long nextSeq = 0;
            boolean finished = false;
            int toolCalls = 0;
            long deadline = System.currentTimeMillis() + 10_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end || !requestId.equals(r.key())) {
                        continue;
                    }
                    Messages.Event e = json.readValue(r.value(), Messages.Event.class);
                    nextSeq = Math.max(nextSeq, e.seq() + 1);
                    if (Messages.Event.TOKEN.equals(e.type()) && e.text() != null) {
                        text.append(e.text());
                    } else if (Messages.Event.TOOL_CALL.equals(e.type())) {
                        toolCalls++;
                    } else if (e.terminal()) {
                        finished = true;
                    }
                }
            }
            return new Continuation(text.toString(), nextSeq, finished, toolCalls);
        } catch (Exception e) {
            LOG.warnf("request %s: could not read what was already sent (%s); continuing from scratch", requestId,
                    KafkaQueue.rootMessage(e));
            return NONE;
        }
    }
}
