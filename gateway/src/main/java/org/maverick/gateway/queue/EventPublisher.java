package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.telemetry.RepeatedWarnings;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes one generation's events to its reply topic, coalescing tokens: the first token goes out
 * at once, later ones are gathered until the next tick of a {@link Ticker} shared by every stream
 * of the worker (one window, about a display frame, so at most that long) and sent as one event, so
 * Kafka carries far fewer records than tokens without a visible delay. A terminal event flushes what
 * is gathered first.
 *
 * <p>Thread-safe: tokens arrive on a gRPC thread, the tick's flush runs on the scheduler, and both go
 * through the same lock so that sends (and so offsets) keep the events' order. Sending never waits for
 * the broker ({@link KafkaSender}), so a gRPC event loop is never held by Kafka.
 *
 * <p>An event that cannot be written (Kafka unusable, the send queue full, the delivery timed out) is
 * never papered over: the answer would have a hole. The publisher remembers the loss, and the stream
 * wrapped by {@link #guard} fails at its next item, which cancels the Triton call, so a worker that
 * cannot publish stops generating; its terminal event becomes an error.
 */
public final class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    /** Lost events of all publishers: one warning line per reason per interval, not one per event. */
    private static final RepeatedWarnings LOST = new RepeatedWarnings();

    private final KafkaSender producer;
    private final ObjectMapper json;
    private final Ticker ticker;
    private final String topic;
    private final Integer partition;
    private final String requestId;
    private final int attempt;
    private final boolean streamTokens;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder whole = new StringBuilder();
    private final java.util.List<Messages.ToolCallBody> calls = new java.util.ArrayList<>();
    private long seq;
    private boolean firstSent;
    private boolean closed;
    /** Registered with the ticker for its next tick (text is pending). */
    private boolean ticking;
    /** The first event that could not be written (set by a send's callback, on any thread), or null. */
    private volatile Exception lost;
    /** The engine's count of completion tokens as of the latest text given (null: not counted). */
    private Integer tokensSoFar;

    public EventPublisher(KafkaSender producer, ObjectMapper json, Ticker ticker,
                   String topic, Integer partition, String requestId, int attempt, long firstSeq,
                   boolean streamTokens) {
        this.producer = producer;
        this.json = json;
        this.ticker = ticker;
        this.topic = topic;
        this.partition = partition;
        this.requestId = requestId;
        this.attempt = attempt;
        this.seq = firstSeq;
        this.streamTokens = streamTokens;
    }

    /**
     * As {@link #token(String)}, with the engine's count of this attempt's completion tokens so far
     * (negative: not counted); each token event carries the count as of its last text.
     */
    public synchronized void token(String text, int completionTokensSoFar) {
        if (completionTokensSoFar >= 0) {
            tokensSoFar = completionTokensSoFar;
        }
        token(text);
    }

    public synchronized void token(String text) {
        if (closed) {
            return;
        }
        if (!streamTokens) {
            whole.append(text); // a non-streamed request gets the whole text in its final event
            return;
        }
        if (!firstSent) {
            firstSent = true;
            send(event(Messages.Event.TOKEN, text, null, null, null));
            return;
        }
        pending.append(text);
        if (ticker == null) {
            flushNow(); // no window: every token is its own event
        } else if (!ticking) {
            ticking = true;
            ticker.add(this);
        }
    }

    /**
     * A complete tool call: its own event at once (text gathered before it goes first, keeping the order), or for a
     * non-streamed request a part of the final event.
     */
    public synchronized void toolCall(org.maverick.gateway.generation.GenerationEvent.ToolCall call) {
        if (closed) {
            return;
        }
        Messages.ToolCallBody body = new Messages.ToolCallBody(call.index(), call.id(), "function",
                new Messages.FunctionBody(call.name(), call.arguments()));
        if (!streamTokens) {
            calls.add(body);
            return;
        }
        flushNow();
        firstSent = true;
        send(new Messages.Event(Messages.VERSION, requestId, seq++, attempt, Messages.Event.TOOL_CALL, null, null, null,
                null, System.currentTimeMillis(), body, null));
    }

    private synchronized void flushFromTick() {
        ticking = false;
        if (!closed) {
            flushNow();
        }
    }

    private void flushNow() {
        if (pending.length() > 0) {
            send(event(Messages.Event.TOKEN, pending.toString(), null, null, null));
            pending.setLength(0);
        }
    }

    public synchronized void finish(String finishReason, UsageDto usage) {
        if (closed) {
            return;
        }
        flushNow();
        Exception l = lost;
        if (l != null) {
            // A token event is missing: the answer is not whole, so it must not end as a success.
            send(event(Messages.Event.ERROR, null, null, null, lostError(l)));
        } else {
            Messages.Event last = event(Messages.Event.FINAL, streamTokens ? null : whole.toString(), finishReason,
                    usage, null);
            if (!calls.isEmpty()) {
                last = new Messages.Event(last.version(), last.requestId(), last.seq(), last.attempt(), last.type(),
                        last.text(), last.finishReason(), last.usage(), null, last.at(), null,
                        java.util.List.copyOf(calls));
            }
            send(last);
        }
        close();
    }

    /**
     * The generation's events, failing with 503 {@code backend_unavailable} at the first item after an event
     * of this publisher could not be written: the failure cancels the generation upstream (the Triton call)
     * and reaches the worker's failure handling. Wrap the engine's stream with it before subscribing.
     */
    public Multi<GenerationEvent> guard(Multi<GenerationEvent> events) {
        return events.onItem().invoke(item -> {
            Exception l = lost;
            if (l != null) {
                throw new GatewayException.BackendUnavailable(lostError(l).message(), java.time.Duration.ofSeconds(5), l);
            }
        });
    }

    /** Whether an event of this publisher could not be written. */
    public boolean lostEvents() {
        return lost != null;
    }

    private Messages.ErrorBody lostError(Exception cause) {
        return new Messages.ErrorBody("The generation's events could not be written to Kafka ("
                + KafkaQueue.rootMessage(cause) + "); the generation was stopped. Retry the request.",
                "server_error", "backend_unavailable", 503);
    }

    public synchronized void fail(String type, Messages.ErrorBody error) {
        if (closed) {
            return;
        }
        flushNow();
        send(event(type, null, null, null, error));
        close();
    }

    /** Stops without a terminal event (the partition moved: another worker continues this request). */
    public synchronized void abandon() {
        close();
    }

    private void close() {
        closed = true; // a tick still due finds it closed and sends nothing
    }

    /**
     * One timer for every stream of a worker: each tick flushes the publishers that gathered text since
     * the last. A timer per stream and window would wake the scheduler for every engine response; this
     * wakes it once per window however many streams run, and not at all while none has text waiting (it
     * is armed by the first publisher queued, and again by a tick that leaves some queued).
     */
    public static final class Ticker {
        private final java.util.concurrent.ConcurrentLinkedQueue<EventPublisher> due =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        private final ScheduledExecutorService scheduler;
        private final long windowNanos;
        /** The origin of the ticks' grid. */
        private static final long GRID = System.nanoTime();

        private Ticker(ScheduledExecutorService scheduler, long windowNanos) {
            this.scheduler = scheduler;
            this.windowNanos = windowNanos;
        }

        /** A ticker every {@code windowNanos} on {@code scheduler}, or null for no coalescing (0). */
        public static Ticker every(ScheduledExecutorService scheduler, long windowNanos) {
            if (windowNanos <= 0) {
                return null;
            }
            return new Ticker(scheduler, windowNanos);
        }

        void add(EventPublisher p) {
            due.add(p);
            arm();
        }

        /**
         * Schedules the next tick unless one is due already, at the next boundary of a fixed grid of windows: the
         * ticks fall where a free-running timer's would, so a publisher waits half a window on average and at
         * most one, though nothing wakes while no text waits.
         */
        private void arm() {
            if (armed.compareAndSet(false, true)) {
                try {
                    long delay = windowNanos - Math.floorMod(System.nanoTime() - GRID, windowNanos);
                    scheduler.schedule(this::tick, delay, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    armed.set(false); // the worker is stopping; its publishers are closed with it
                }
            }
        }

        void tick() {
            // Disarmed first: a publisher queued from here on arms the next tick itself.
            armed.set(false);
            // Only the publishers queued before this tick began: one that queues itself again while
            // the tick runs waits for the next, so a tick always ends.
            for (int n = due.size(); n > 0; n--) {
                EventPublisher p = due.poll();
                if (p == null) {
                    break;
                }
                try {
                    p.flushFromTick();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "request %s: flushing its tokens failed", p.requestId);
                }
            }
            if (!due.isEmpty()) {
                arm();
            }
        }
    }

    private Messages.Event event(String type, String text, String finishReason, UsageDto usage,
                                 Messages.ErrorBody error) {
        return new Messages.Event(Messages.VERSION, requestId, seq++, attempt, type, text, finishReason, usage, error,
                System.currentTimeMillis(), null, null, Messages.Event.TOKEN.equals(type) ? tokensSoFar : null);
    }

    private void send(Messages.Event event) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        producer.send(new ProducerRecord<>(topic, partition, requestId, body), (m, e) -> {
            if (e != null) {
                if (lost == null) {
                    lost = e;
                }
                LOST.log(e.getClass().getName(), "request " + requestId + ": event " + event.seq() + " ("
                        + event.type() + ") not written to " + topic + ": " + KafkaQueue.rootMessage(e), LOG::warn);
            }
        });
    }
}
