package org.maverick.gateway.queue.worker;

import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.queue.Messages;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The generations this worker runs, by request id, and how each ends. An ended generation leaves the
 * map, has its status written and its record marked done, in that order, on the poll thread; one that
 * is abandoned leaves the map with no status, so whoever takes the request next continues it.
 * Triton refusing a generation before its first token is not an end: the record goes back to the
 * front of the backlog and is retried after {@link #RETRY_DELAY_MS}.
 *
 * <p>Poll thread only, apart from the {@link RunningGeneration.Listener} callbacks, which hand over
 * through {@code toPollThread}.
 */
final class Generations implements RunningGeneration.Listener {

    private static final Logger LOG = Logger.getLogger(Generations.class);
    static final long RETRY_DELAY_MS = 1000;

    private final Map<String, RunningGeneration> running = new HashMap<>();
    private final Statuses statuses;
    private final PartitionOffsets offsets;
    private final Backlog backlog;
    private final Executor toPollThread;
    private final LongSupplier clock;

    Generations(Statuses statuses, PartitionOffsets offsets, Backlog backlog, Executor toPollThread,
                LongSupplier clock) {
        this.statuses = statuses;
        this.offsets = offsets;
        this.backlog = backlog;
        this.toPollThread = toPollThread;
        this.clock = clock;
    }

    int size() {
        return running.size();
    }

    boolean runs(String requestId) {
        return running.containsKey(requestId);
    }

    /** The generation running for {@code requestId}, or null. */
    RunningGeneration get(String requestId) {
        return requestId == null ? null : running.get(requestId);
    }

    /** The generations running now (a copy: the caller may end some of them). */
    java.util.List<RunningGeneration> all() {
        return new ArrayList<>(running.values());
    }

    /** Registers a generation before its engine call starts, so that its end always finds it. */
    void add(RunningGeneration g) {
        running.put(g.id(), g);
    }

    @Override
    public void finished(RunningGeneration g) {
        toPollThread.execute(() -> end(g, Messages.Status.FINISHED));
    }

    @Override
    public void failed(RunningGeneration g, Throwable failure) {
        toPollThread.execute(() -> fail(g, failure));
    }

    /** Cancels a running generation: the engine call stops, the caller gets a 'cancelled' event. */
    void cancel(RunningGeneration g) {
        if (!g.ended()) {
            g.stopEngine();
            g.publisher.fail(Messages.Event.CANCELLED, null);
            end(g, Messages.Status.CANCELLED);
        }
    }

    private void end(RunningGeneration g, String state) {
        if (!g.end(state)) {
            return;
        }
        running.remove(g.id());
        statuses.write(g.id(), state, g.attempt, g.replyTopic);
        offsets.done(g.record);
    }

    private void fail(RunningGeneration g, Throwable failure) {
        if (g.ended()) {
            return;
        }
        GatewayException e = failure instanceof GatewayException ge ? ge : new GatewayException.Internal(failure);
        if (e instanceof GatewayException.BackendUnavailable && !g.anyToken()) {
            // Triton could not take it (not ready, queue full): the request waits in Kafka instead.
            LOG.infof("request %s: Triton unavailable (%s); retrying in %d ms", g.id(), e.getMessage(), RETRY_DELAY_MS);
            g.abandon();
            running.remove(g.id());
            backlog.retryAt(g.record, clock.getAsLong() + RETRY_DELAY_MS);
            return;
        }
        LOG.warnf("request %s: generation failed: %s %s", g.id(), e.code(), e.getMessage());
        g.publisher.fail(Messages.Event.ERROR, errorBody(e));
        end(g, Messages.Status.FAILED);
    }

    /** Hands over the generations of partitions that went to another worker (their status stays 'running'). */
    void abandonIn(Collection<TopicPartition> lost, String why) {
        for (Iterator<RunningGeneration> it = running.values().iterator(); it.hasNext(); ) {
            RunningGeneration g = it.next();
            if (lost.contains(g.partition())) {
                LOG.infof("request %s: %s; handing the generation over", g.id(), why);
                g.abandon();
                it.remove();
            }
        }
    }

    /** Leaving the group: every generation stays unfinished, so the next owner continues it. */
    void abandonAll() {
        for (RunningGeneration g : new ArrayList<>(running.values())) {
            g.abandon();
        }
        running.clear();
    }

    /** The error event's body for {@code e}: OpenAI's error fields plus the HTTP status. */
    static Messages.ErrorBody errorBody(GatewayException e) {
        return new Messages.ErrorBody(e.getMessage(), e.type(), e.code(), e.status());
    }
}
