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
 * Control records (cancel, client_gone, client_back, and owner heartbeats), read by every worker from
 * every control partition ({@link ControlReader}). What a message means depends only on the message
 * and on whether its request runs here now ({@link #decide}); acting on it touches the running
 * generation, the early cancels, what is known of the request's client ({@link ClientPresence}) or the
 * dead letters. Owner heartbeats only update the {@link ClientPresence}; {@link #sweep} then cancels
 * the running generations nobody holds a client of any more.
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
        /** The client of a request not running here (yet) left: remember it, so that it is not started. */
        NOTE_GONE,
        /** The client of a request not running here came back: forget that it left. */
        NOTE_BACK,
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
    private final ScheduledExecutorService timers;
    private final Executor toPollThread;
    private final long defaultGraceMs;
    private final LongSupplier clock;
    private final ClientPresence presence;
    private final WorkerCounters counters;

    ControlHandler(ObjectMapper json, Generations generations, EarlyCancels earlyCancels, DeadLetters deadLetters,
                   ClientPresence presence, ScheduledExecutorService timers, Executor toPollThread,
                   long defaultGraceMs, LongSupplier clock, WorkerCounters counters) {
        this.presence = presence;
        this.counters = counters;
        this.json = json;
        this.generations = generations;
        this.earlyCancels = earlyCancels;
        this.deadLetters = deadLetters;
        this.timers = timers;
        this.toPollThread = toPollThread;
        this.defaultGraceMs = defaultGraceMs;
        this.clock = clock;
    }

    /**
     * What {@code c} asks of this worker, given whether its request runs here ({@code running}) and
     * whether that generation's grace period runs. Client_gone and client_back for a request not
     * running here are remembered: the request may wait in Kafka or in this worker's backlog, or run
     * here later after a rebalance, and must not start for a client that left.
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
                long grace = c.graceMs() == null ? defaultGraceMs : c.graceMs();
                if (!running) {
                    return c.requestId() == null ? Decision.of(Action.NONE) : new Decision(Action.NOTE_GONE, grace);
                }
                if (!graceRunning) {
                    return new Decision(Action.START_GRACE, grace);
                }
                return Decision.of(Action.NONE);
            }
            case Messages.Control.CLIENT_BACK -> {
                if (!running) {
                    return Decision.of(c.requestId() == null ? Action.NONE : Action.NOTE_BACK);
                }
                return Decision.of(graceRunning ? Action.STOP_GRACE : Action.NONE);
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
            deadLetters.send(record, "unreadable control message: " + e.getMessage());
            return;
        }
        long now = clock.getAsLong();
        if (Messages.Control.HOLDING.equals(c.action())) {
            if (c.instance() != null && c.requestIds() != null) {
                presence.listing(c.instance(), record.partition(), c.requestIds(), c.at(), now);
            }
            return;
        }
        counters.controls.incrementAndGet();
        if (Messages.Control.CLIENT_BACK.equals(c.action()) && c.requestId() != null) {
            presence.back(c.requestId()); // whatever runs here: the client is back
        }
        RunningGeneration g = generations.get(c.requestId());
        Decision d = decide(c, g != null, g != null && g.graceRunning(), defaultGraceMs);
        switch (d.action()) {
            case CANCEL -> {
                LOG.debugf("request %s: cancelled", c.requestId());
                counters.cancelledExplicitly.incrementAndGet();
                generations.cancel(g);
            }
            case CANCEL_EARLY -> earlyCancels.add(c.requestId(), now);
            case START_GRACE -> {
                presence.gone(c.requestId(), now + d.graceMs());
                startGrace(g, d.graceMs());
            }
            case STOP_GRACE -> {
                presence.back(c.requestId());
                g.graceStopped();
            }
            case NOTE_GONE -> presence.gone(c.requestId(), now + d.graceMs());
            case NOTE_BACK -> presence.back(c.requestId());
            case DEAD_LETTER -> deadLetters.send(record, "unknown control action '" + c.action() + "'");
            case NONE -> { }
        }
    }

    /** Drops the early cancels and client notes kept long enough (called now and then). */
    void expire(long now) {
        earlyCancels.expire(now);
        presence.expire(now);
    }

    /**
     * Cancels the running generations whose client no instance has held for the owner lease and the
     * grace period after it (their holder died, or left without a word). Those with a client_gone of
     * their own are left to its grace timer.
     */
    void sweep(long now) {
        for (RunningGeneration g : generations.all()) {
            if (g.ended() || presence.noted(g.id())) {
                continue;
            }
            long goneAt = presence.leaseGoneAt(g.id(), g.replyTopic, g.record.timestamp(), now);
            if (goneAt != ClientPresence.PRESENT && now >= goneAt) {
                LOG.infof("request %s: no gateway instance has held its client for the owner lease and the grace "
                        + "period; cancelling", g.id());
                counters.cancelledUnheld.incrementAndGet();
                generations.cancel(g);
            }
        }
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
