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
 * <p>The tokens already sent are counted as usage counted them: each token event carries the
 * engine's count of its attempt's completion tokens so far ({@code completion_tokens}), so the count
 * is the sum of each attempt's last count. Only text the engine did not count (an engine that does
 * not report counts, or events of an older gateway) is estimated with the token counter, which is
 * what usage then does too.
 *
 * @param text          the completion text already sent, in order
 * @param nextSeq       the sequence number the next event takes
 * @param finished      whether a terminal event was already written (then nothing is to be run)
 * @param countedTokens the engine's count of the tokens sent, summed over attempts
 * @param uncountedText the text sent that no engine count covers
 * @param toolCalls     tool calls already sent (each complete: a call is only ever written whole)
 */
public record Continuation(String text, long nextSeq, boolean finished, int countedTokens, String uncountedText,
                           int toolCalls) {

    private static final Logger LOG = Logger.getLogger(Continuation.class);
    public static final Continuation NONE = new Continuation("", 0, false);

    /** What was sent, none of it counted by the engine. */
    public Continuation(String text, long nextSeq, boolean finished) {
        this(text, nextSeq, finished, 0, text, 0);
    }

    /** The completion tokens already sent: the engine's counts, plus an estimate of what it did not count. */
    public int tokens(TokenCounter counter) {
        return countedTokens + (uncountedText.isEmpty() ? 0 : counter.countText(uncountedText));
    }

    /** Adds up what the events of one request say was sent, attempt by attempt. */
    static final class Tally {
        private final StringBuilder text = new StringBuilder();
        private final java.util.Map<Integer, Integer> lastCount = new java.util.HashMap<>();
        private final java.util.Map<Integer, StringBuilder> uncounted = new java.util.HashMap<>();

        void token(int attempt, String piece, Integer tokensSoFar) {
            text.append(piece);
            if (tokensSoFar != null && tokensSoFar >= 0) {
                lastCount.merge(attempt, tokensSoFar, Math::max);
                uncounted.remove(attempt); // the count covers all of this attempt's text so far
            } else {
                uncounted.computeIfAbsent(attempt, a -> new StringBuilder()).append(piece);
            }
        }

        Continuation result(long nextSeq, boolean finished, int toolCalls) {
            int counted = lastCount.values().stream().mapToInt(Integer::intValue).sum();
            StringBuilder rest = new StringBuilder();
            uncounted.values().forEach(rest::append);
            return new Continuation(text.toString(), nextSeq, finished, counted, rest.toString(), toolCalls);
        }
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
            Tally tally = new Tally();
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
                        tally.token(e.attempt(), e.text(), e.completionTokens());
                    } else if (Messages.Event.TOOL_CALL.equals(e.type())) {
                        toolCalls++;
                    } else if (e.terminal()) {
                        finished = true;
                    }
                }
            }
            return tally.result(nextSeq, finished, toolCalls);
        } catch (Exception e) {
            LOG.warnf("request %s: could not read what was already sent (%s); continuing from scratch", requestId,
                    KafkaQueue.rootMessage(e));
            return NONE;
        }
    }
}
