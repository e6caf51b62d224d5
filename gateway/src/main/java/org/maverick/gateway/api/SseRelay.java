package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;

import java.util.concurrent.Flow;

/**
 * Relays one generation to one SSE response.
 *
 * <p>Threading: events arrive on a gRPC transport thread and are handed to the request's Vert.x
 * context, so every field below is touched by the event loop only.
 *
 * <p>Headers are held back until the first token (or the first keep-alive), so that anything the
 * engine refuses before generating, such as an unready model or a full queue, is still a plain HTTP
 * error with its status; after that, a failure is the stream's final error event.
 *
 * <p>Backpressure: one more event is requested from the backend only after the previous one was
 * handed to a write queue that is not full; when it is full, the next request waits for the drain.
 * A client that stops reading therefore stops the engine's stream at gRPC's flow-control window
 * instead of growing a buffer here. The client closing the connection cancels the subscription,
 * which cancels the Triton call.
 *
 * <p>Bounds per stream: the write queue's high-water mark is set explicitly
 * ({@code gateway.sse.write-queue-bytes}), and at most {@value #INITIAL_DEMAND} events are requested
 * ahead, so what waits here is one queue plus a few tokens. A client that leaves the queue full for
 * {@code gateway.sse.stall-timeout} is cut: the connection is closed and the generation cancelled, so
 * it holds neither an engine slot nor memory any longer.
 */
public final class SseRelay implements MultiSubscriber<GenerationEvent> {

    private static final Logger LOG = Logger.getLogger(SseRelay.class);
    private static final int INITIAL_DEMAND = 4;
    /** Writes without a completion handler: Netty's void promise, nothing allocated or notified per write. */
    private static final Handler<AsyncResult<Void>> NO_HANDLER = null;

    private final String requestId;
    private final HttpServerResponse response;
    private final Context context;
    private final io.netty.channel.EventLoop eventLoop;
    private final ObjectMapper json;
    private final SseFrames frames;
    private final GatewayConfig.Sse limits;
    private final Runnable onClientGone;
    private volatile Flow.Subscription subscription;
    private static final Object SUBSCRIBED = new Object();
    private static final Object COMPLETED = new Object();
    private static final Object GATE_OPEN = new Object();
    /** Signals held until the gate opens (at most the initial demand and a few control events). */
    private java.util.ArrayDeque<Object> held;
    private final java.util.concurrent.ConcurrentLinkedQueue<Object> inbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger wip = new java.util.concurrent.atomic.AtomicInteger();
    private boolean started;
    private boolean ended;
    private long timer = -1;
    private long stallTimer = -1;
    /** Events not requested because the write queue was full; all are requested at the drain. */
    private long owed;
    private String resumeUrl;

    SseRelay(Generation generation, HttpServerResponse response, Context context, ObjectMapper json,
             GatewayConfig.Sse limits, Runnable onClientGone) {
        this(generation.requestId(), new ChunkEncoder(generation, json), generation.includeUsage(), true, response,
                context, json, limits, onClientGone);
    }

    /** A stream picked up again: {@code sendRole} is false when the client already had the first chunk. */
    SseRelay(String requestId, ChunkEncoder chunks, boolean includeUsage, boolean sendRole,
             HttpServerResponse response, Context context, ObjectMapper json, GatewayConfig.Sse limits,
             Runnable onClientGone) {
        this(requestId, SseFrames.chat(chunks, includeUsage, sendRole, json), response, context, json, limits,
                onClientGone);
    }

    /** A stream of another API's shape (the Responses API's events): the same relay, other frames. */
    SseRelay(String requestId, SseFrames frames, HttpServerResponse response, Context context, ObjectMapper json,
             GatewayConfig.Sse limits, Runnable onClientGone) {
        this.requestId = requestId;
        this.frames = frames;
        this.response = response;
        this.context = context;
        this.eventLoop = ((io.vertx.core.impl.ContextInternal) context).nettyEventLoop();
        this.json = json;
        this.limits = limits;
        this.onClientGone = onClientGone;
    }

    /**
     * Holds every frame until {@code gate} completes (the generation runs meanwhile: its first events wait here,
     * bounded by the initial demand); a failed gate fails the stream. A stored response's record must be
     * acknowledged before its client learns its id.
     */
    SseRelay gate(io.smallrye.mutiny.Uni<Void> gate) {
        held = new java.util.ArrayDeque<>();
        gate.subscribe().with(v -> deliver(GATE_OPEN), e -> deliver(new Failed(e)));
        return this;
    }

    /** Subscribes on the event loop; the response's close handler cancels the generation. */
    void start(Multi<GenerationEvent> events) {
        response.setWriteQueueMaxSize(limits.writeQueueBytes());
        response.closeHandler(v -> {
            if (!ended) {
                ended = true;
                cancelTimer();
                if (subscription != null) {
                    subscription.cancel();
                }
                onClientGone.run();
            }
        });
        events.subscribe().withSubscriber(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        deliver(SUBSCRIBED);
    }

    @Override
    public void onItem(GenerationEvent event) {
        deliver(event);
    }

    @Override
    public void onFailure(Throwable failure) {
        deliver(new Failed(failure));
    }

    @Override
    public void onCompletion() {
        deliver(COMPLETED);
    }

    /**
     * Signals arrive on transport threads (gRPC, Kafka) and are handled on the connection's event loop,
     * strictly in their order: they go through one queue, drained by one task at a time. When the signal
     * arrives on that event loop and nothing is queued, it is handled at once, with no task hand-off.
     */
    private void deliver(Object signal) {
        if (eventLoop.inEventLoop() && wip.compareAndSet(0, 1)) {
            // The usual case once a stream runs: nothing queued and already on the loop. Handle it
            // without the queue; signals that arrive meanwhile from other threads queue up behind it.
            process(signal);
            int missed = wip.decrementAndGet();
            if (missed != 0) {
                drain(missed);
            }
            return;
        }
        inbox.add(signal);
        if (wip.getAndIncrement() == 0) {
            if (eventLoop.inEventLoop()) {
                drain(1);
            } else {
                context.runOnContext(v -> drain(1));
            }
        }
    }

    private void drain(int missed) {
        while (true) {
            Object signal;
            while ((signal = inbox.poll()) != null) {
                process(signal);
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void process(Object signal) {
        if (held != null) {
            if (signal == GATE_OPEN) {
                java.util.ArrayDeque<Object> waiting = held;
                held = null;
                for (Object s : waiting) {
                    process(s);
                }
                return;
            }
            if (!(signal instanceof Failed) && signal != SUBSCRIBED) {
                held.add(signal);
                return;
            }
        }
        if (signal == GATE_OPEN) {
            return;
        }
        if (signal == SUBSCRIBED) {
            if (ended) {
                subscription.cancel();
            } else {
                subscription.request(INITIAL_DEMAND);
            }
        } else if (signal == COMPLETED) {
            // Finished already ended the response; a completion without it is a backend bug.
            if (!ended) {
                fail(new GatewayException.BackendError("The model backend ended without finishing the answer.", null));
            }
        } else if (signal instanceof Failed f) {
            fail(ErrorRenderer.classify(f.failure()));
        } else {
            handle((GenerationEvent) signal);
        }
    }

    private record Failed(Throwable failure) {
    }

    private void handle(GenerationEvent event) {
        if (ended) {
            return;
        }
        // begin() before the event's frame: frames may number their events (the Responses API's
        // sequence_number), so the opening is rendered first, as it is written first.
        if (event instanceof GenerationEvent.Token token) {
            String opening = begin();
            write(opening, token.eventId(), frames.token(token.text()));
            requestMore();
        } else if (event instanceof GenerationEvent.ToolCall call) {
            String opening = begin();
            write(opening, call.eventId(), frames.toolCall(call));
            requestMore();
        } else if (event instanceof GenerationEvent.Finished finished) {
            String opening = begin();
            ended = true;
            cancelTimer();
            endWith(EventText.join(opening, finished.eventId(), frames.finish(finished)));
        } else if (event instanceof GenerationEvent.Queued queued) {
            resumeUrl = "/v1/streams/" + queued.resumeToken();
            subscription.request(1);
        } else if (event instanceof GenerationEvent.Admitted) {
            // Admission is decided: keep-alive comments may start (they commit the 200 status).
            if (timer < 0) {
                timer = context.owner().setPeriodic(limits.keepAlive().toMillis(), id -> keepAlive());
            }
            subscription.request(1);
        }
    }

    /**
     * Writes one event as one chunk: the stream's opening ({@link #begin()}) before its first event, the
     * event's {@code id} line in queued mode (each event has its place in Kafka: its SSE {@code id}, which a
     * reconnecting client sends back as {@code Last-Event-ID}; the id line belongs to the next data line's
     * event), then the event. One write is one flush, one system call: the bytes are those of the separate
     * writes, in their order. No completion handler: Vert.x then writes with Netty's void promise, no promise
     * or listener per token (a failed write closes the connection, which the close handler sees).
     */
    private void write(String opening, long eventId, String frame) {
        response.write(EventText.join(opening, eventId, frame), NO_HANDLER);
    }

    private void requestMore() {
        if (response.writeQueueFull()) {
            // The client is not keeping up: ask for nothing more until the queue drains, and give it
            // stall-timeout to do so. Every event withheld here is owed and requested at the drain, so
            // the demand ahead stays INITIAL_DEMAND after a stall instead of shrinking to one.
            long timeout = limits.stallTimeout().toMillis();
            if (stallTimer < 0) {
                stallTimer = context.owner().setTimer(timeout, t -> {
                    stallTimer = -1;
                    cutSlowClient(timeout);
                });
            }
            owed++;
            response.drainHandler(v -> {
                cancelStallTimer();
                long n = owed;
                owed = 0;
                if (!ended && n > 0) {
                    subscription.request(n);
                }
            });
        } else {
            subscription.request(1);
        }
    }

    /**
     * Sets the headers once, before the first event; returns what the stream writes before its first event
     * (the chat stream's role chunk), to go out in the same write as that event, or "" after the first.
     */
    private String begin() {
        if (started) {
            return "";
        }
        started = true;
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-accel-buffering", "no")
                .putHeader("x-request-id", requestId);
        if (resumeUrl != null && frames.resumable()) {
            response.putHeader("x-resume-url", resumeUrl);
        }
        return frames.opening();
    }

    private void keepAlive() {
        if (ended || response.writeQueueFull()) {
            return; // a comment behind a full queue proves nothing and only grows it
        }
        response.write(EventText.join(begin(), GenerationEvent.NO_ID, ChunkEncoder.KEEP_ALIVE), NO_HANDLER);
    }

    private void fail(GatewayException e) {
        if (ended) {
            return;
        }
        ended = true;
        cancelTimer();
        ErrorRenderer.log(requestId, e, started);
        if (!started) {
            ErrorRenderer.respond(response, json, e);
        } else {
            endWith(frames.failure(e));
        }
    }

    /** Ends the response with its last bytes, once what the frames need done first is done (see beforeEnd). */
    private void endWith(String last) {
        io.smallrye.mutiny.Uni<Void> first = frames.beforeEnd();
        if (first == null) {
            response.end(Buffer.buffer(last), NO_HANDLER);
            return;
        }
        first.subscribe().with(v -> context.runOnContext(x -> response.end(Buffer.buffer(last), NO_HANDLER)), e -> {
            LOG.warnf("request %s: %s; the stream ends all the same", requestId, e.getMessage());
            context.runOnContext(x -> response.end(Buffer.buffer(last), NO_HANDLER));
        });
    }

    /**
     * A client that stopped reading holds an engine slot and this stream's buffers: cancel the generation
     * now and close the connection (an error event could not reach a client that does not read).
     */
    private void cutSlowClient(long timeoutMillis) {
        if (ended) {
            return;
        }
        ended = true;
        cancelTimer();
        LOG.infof("request %s: client stopped reading for %d ms; connection closed and generation cancelled",
                requestId, timeoutMillis);
        if (subscription != null) {
            subscription.cancel();
        }
        response.reset(); // HTTP/1.1: closes the connection; HTTP/2: resets only this stream
    }

    private void cancelStallTimer() {
        if (stallTimer >= 0) {
            context.owner().cancelTimer(stallTimer);
            stallTimer = -1;
        }
    }

    private void cancelTimer() {
        cancelStallTimer();
        if (timer >= 0) {
            context.owner().cancelTimer(timer);
            timer = -1;
        }
    }
}
