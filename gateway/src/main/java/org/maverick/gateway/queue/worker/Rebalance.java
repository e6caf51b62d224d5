package org.maverick.gateway.queue.worker;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import org.maverick.gateway.queue.KafkaQueue;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Partitions come and go. With the cooperative-sticky assignor only the partitions that change owner
 * are revoked (and only newly added ones assigned), so a worker joining or leaving interrupts only the
 * generations of the partitions that move. Those revoked are handed over cleanly: their generations stop with their
 * status left 'running' (so the new owner continues them), their waiting records are dropped (the new
 * owner fetches them), the offsets finished so far are committed, and nothing of them is tracked any
 * more. For request partitions gained, the statuses of their requests are read first, so that none
 * already finished runs again.
 *
 * <p>Called by the consumer inside its poll, so on the poll thread.
 */
final class Rebalance implements ConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(Rebalance.class);

    private final Generations generations;
    private final Backlog backlog;
    private final Statuses statuses;
    private final Runnable commitNow;
    private final Consumer<Set<TopicPartition>> forget;

    /**
     * @param commitNow commits the finished offsets synchronously (may throw)
     * @param forget    drops the lost partitions from the worker's offsets and pause bookkeeping
     */
    Rebalance(Generations generations, Backlog backlog, Statuses statuses, Runnable commitNow,
              Consumer<Set<TopicPartition>> forget) {
        this.generations = generations;
        this.backlog = backlog;
        this.statuses = statuses;
        this.commitNow = commitNow;
        this.forget = forget;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        handOver(partitions, "partition moved to another worker");
    }

    private void handOver(Collection<TopicPartition> partitions, String why) {
        if (partitions.isEmpty()) {
            return; // cooperative rebalances call this with nothing when nothing of ours moves
        }
        Set<TopicPartition> lost = new HashSet<>(partitions);
        LOG.infof("worker hands over request partitions %s: %s", requestPartitions(partitions), why);
        generations.abandonIn(lost, why);
        backlog.drop(lost);
        try {
            commitNow.run();
        } catch (RuntimeException e) {
            LOG.debugf("commit on revoke failed: %s", e.getMessage());
        }
        forget.accept(lost);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        // This worker was out of the group (session expired): another worker may run them already.
        handOver(partitions, "this worker lost the partition (its session expired)");
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        List<Integer> requestPartitions = requestPartitions(partitions);
        if (!requestPartitions.isEmpty()) {
            statuses.load(requestPartitions);
            LOG.infof("worker now also owns request partitions %s", requestPartitions);
        }
    }

    /** The numbers of the requests topic's partitions among {@code partitions}, in their order. */
    static List<Integer> requestPartitions(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(tp -> KafkaQueue.REQUESTS.equals(tp.topic()))
                .map(TopicPartition::partition).toList();
    }
}
