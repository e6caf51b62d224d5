package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;
import org.maverick.gateway.queue.Messages;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Control records (cancel, client_gone, client_back; co-partitioned with the requests, so they reach
 * the worker that runs or will run the request). What a message means depends only on the message
 * and on whether its request runs here now ({@link #decide}); acting on it touches the running
 * generation, the early cancels or the dead letters. A control record is done once read.
 *
 * <p>Poll thread only; grace timers fire on the scheduler and hand their cancel to the poll thread.
 */
final class ControlHandler {

    private static final Logger LOG = Logger.getLogger(ControlHandler.class);

    /** What a control message asks of this worker. */
    enum Action {
        /** Cancel the running generation. */
        CANCEL,
        /** The request does not run here (yet): remember the cancel for when it is taken. */
        CANCEL_EARLY,
        /** The client left: cancel the running generation unless it comes back within the grace period. */
        START_GRACE,
        /** The client came back within the grace period. */
        STOP_GRACE,
        /** Nothing to do here (the request ended, or the message repeats one already acted on). */
        NONE,
        /** Not a control message this worker knows. */
        DEAD_LETTER
    }

    /** @param graceMs the grace period, for {@link Action#START_GRACE} */
    record Decision(Action action, long graceMs) {
        static Decision of(Action action) {
            return new Decision(action, 0);
        }
    }

    private final ObjectMapper json;
    private final Generations generations;
    private final EarlyCancels earlyCancels;
    private final DeadLetters deadLetters;
    private final PartitionOffsets offsets;
    private final ScheduledExecutorService timers;
    private final Executor toPollThread;
    private final long defaultGraceMs;
    private final LongSupplier clock;

    ControlHandler(ObjectMapper json, Generations generations, EarlyCancels earlyCancels, DeadLetters deadLetters,
                   PartitionOffsets offsets, ScheduledExecutorService timers, Executor toPollThread,
                   long defaultGraceMs, LongSupplier clock) {
        this.json = json;
        this.generations = generations;
        this.earlyCancels = earlyCancels;
        this.deadLetters = deadLetters;
        this.offsets = offsets;
        this.timers = timers;
        this.toPollThread = toPollThread;
        this.defaultGraceMs = defaultGraceMs;
        this.clock = clock;
    }

    /**
     * What {@code c} asks of this worker, given whether its request runs here ({@code running}) and
     * whether that generation's grace period runs. Client_gone and client_back for a request not
     * running here change nothing.
     */
    static Decision decide(Messages.Control c, boolean running, boolean graceRunning, long defaultGraceMs) {
        switch (String.valueOf(c.action())) {
            case Messages.Control.CANCEL -> {
                if (running) {
                    return Decision.of(Action.CANCEL);
                }
                return Decision.of(c.requestId() != null ? Action.CANCEL_EARLY : Action.NONE);
            }
            case Messages.Control.CLIENT_GONE -> {
                if (running && !graceRunning) {
                    return new Decision(Action.START_GRACE, c.graceMs() == null ? defaultGraceMs : c.graceMs());
                }
                return Decision.of(Action.NONE);
            }
            case Messages.Control.CLIENT_BACK -> {
                return Decision.of(running && graceRunning ? Action.STOP_GRACE : Action.NONE);
            }
            default -> {
                return Decision.of(Action.DEAD_LETTER);
            }
        }
    }

    void handle(ConsumerRecord<String, byte[]> record) {
        Messages.Control c;
        try {
            c = json.readValue(record.value(), Messages.Control.class);
        } catch (Exception e) {
            // Not tracked as read: its offset is committed only past later control records.
            deadLetters.send(record, "unreadable control message: " + e.getMessage());
            return;
        }
        RunningGeneration g = generations.get(c.requestId());
        Decision d = decide(c, g != null, g != null && g.graceRunning(), defaultGraceMs);
        switch (d.action()) {
            case CANCEL -> {
                LOG.debugf("request %s: cancelled", c.requestId());
                generations.cancel(g);
            }
            case CANCEL_EARLY -> earlyCancels.add(c.requestId(), clock.getAsLong());
            case START_GRACE -> startGrace(g, d.graceMs());
            case STOP_GRACE -> g.graceStopped();
            case DEAD_LETTER -> deadLetters.send(record, "unknown control action '" + c.action() + "'");
            case NONE -> { }
        }
        offsets.seenAndDone(record);
        earlyCancels.expire(clock.getAsLong());
    }

    private void startGrace(RunningGeneration g, long graceMs) {
        g.graceStarted(timers.schedule(() -> toPollThread.execute(() -> {
            // Unless the generation ended meanwhile, or a client_back stopped the grace period.
            if (!g.ended() && g.graceRunning()) {
                LOG.debugf("request %s: client did not come back within %d ms; cancelling", g.id(), graceMs);
                generations.cancel(g);
            }
        }), graceMs, TimeUnit.MILLISECONDS));
    }
}
