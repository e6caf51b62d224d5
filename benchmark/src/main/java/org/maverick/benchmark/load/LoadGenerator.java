package org.maverick.benchmark.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives an OpenAI-compatible streaming endpoint (SSE) or the gateway's realtime WebSocket with
 * Vert.x's non-blocking clients: every stream is a callback chain on an event loop, so thousands
 * of open streams cost sockets and a few objects each, not threads. One instance per run.
 *
 * <p>Measurement: a request counts when it was sent inside the window (after the warm-up, before
 * the duration ended); requests of the warm-up run but are dropped. Times are taken on the event
 * loop as bytes arrive; the wall clock is read once per chunk for stamp latencies.
 */
public final class LoadGenerator {

    /** Told when the measurement window opens and closes (the suite samples the gateway's CPU there). */
    public interface Listener {
        default void windowStarted() { }

        default void windowEnded() { }
    }

    private final LoadConfig config;
    private final Vertx vertx;
    private final Listener listener;
    private final HttpClient http;
    private final WebSocketClient ws;
    /** The chat history's JSON, written once (history mode), else null. */
    private final String historyJson;

    private final ConcurrentLinkedQueue<RequestRecord> measured = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Live> live = new ConcurrentLinkedQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger maxOpenStreams = new AtomicInteger();
    private final LongAdder tokens = new LongAdder();
    private final LongAdder finished = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private volatile boolean stopping;

    public LoadGenerator(LoadConfig config, Vertx vertx, Listener listener) {
        this.config = config;
        this.vertx = vertx;
        this.listener = listener;
        int pool = config.rateMode() ? Math.min(config.maxInFlight(), 20_000) : config.concurrency();
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                        .setConnectTimeout(30_000).setIdleTimeout(0).setMaxInitialLineLength(8192),
                new PoolOptions().setHttp1MaxSize(pool + 8).setMaxWaitQueueSize(-1));
        this.historyJson = config.historyTokens() > 0 ? ChatHistory.historyJson(config.historyTokens(), 19) : null;
        this.ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(pool + 8)
                .setConnectTimeout(30_000).setMaxFrameSize(4 * 1024 * 1024).setMaxMessageSize(4 * 1024 * 1024));
    }

    /** Live gauges for the progress line and the suite. */
    public int inFlight() {
        return inFlight.get();
    }

    public int openStreams() {
        return openStreams.get();
    }

    public int maxOpenStreams() {
        return maxOpenStreams.get();
    }

    /** Output tokens received so far by every request (measured or not), counted per chunk. */
    public long tokensReceived() {
        return tokens.sum();
    }

    /** Runs the whole load (warm-up, window, drain) and blocks until it is over. */
    public Result run() throws InterruptedException {
        long start = System.nanoTime();
        windowStart = start + config.warmup().toNanos();
        windowEnd = windowStart + config.duration().toNanos();
        Progress progress = new Progress(config.name(), config.progress());
        if (config.rateMode()) {
            startRate(start);
        } else {
            startWorkers(start);
        }
        boolean windowOpen = false;
        long tokensAtStart = 0;
        long tokensAtEnd = 0;
        while (true) {
            long now = System.nanoTime();
            if (!windowOpen && now >= windowStart) {
                windowOpen = true;
                tokensAtStart = tokens.sum();
                listener.windowStarted();
            }
            if (now >= windowEnd) {
                break;
            }
            progress.print(now - start, this);
            Thread.sleep(Math.min(250, Math.max(1, (windowEnd - now) / 1_000_000)));
        }
        stopping = true;
        tokensAtEnd = tokens.sum();
        listener.windowEnded();
        long drainDeadline = System.nanoTime() + (config.cancelAtEnd() ? 0 : config.drainTimeout().toNanos());
        while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
            progress.print(System.nanoTime() - start, this);
            Thread.sleep(100);
        }
        int cancelled = 0;
        for (Live l : live) {
            cancelled++;
            l.cancel();
        }
        long cancelDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < cancelDeadline) {
            Thread.sleep(50);
        }
        progress.done(System.nanoTime() - start, this);
        http.close();
        ws.close();
        List<RequestRecord> records = new ArrayList<>(measured);
        Metrics.Summary summary = Metrics.of(records, config.tokenCount());
        return new Result(config, summary, maxOpenStreams.get(), cancelled, tokensAtEnd - tokensAtStart,
                config.duration().toNanos() / 1e9);
    }

    /** The run's figures and the live counters the suite needs beside them. */
    public record Result(LoadConfig config, Metrics.Summary summary, int maxOpenStreams, int cancelledAtEnd,
                         long tokensInWindow, double windowSeconds) {
    }

    // ---- scheduling --------------------------------------------------------------------------

    private void startWorkers(long start) {
        int n = config.concurrency();
        long ramp = config.rampUp().toNanos();
        for (int i = 0; i < n; i++) {
            long delayMs = n <= 1 ? 0 : ramp / 1_000_000 * i / n;
            Context ctx = vertx.getOrCreateContext();
            if (delayMs < 1) {
                ctx.runOnContext(v -> worker(null));
            } else {
                vertx.setTimer(delayMs, id -> worker(null));
            }
        }
    }

    /** One concurrency slot: a request, then the next when it ends, until the window closes. */
    private void worker(WebSocketSession session) {
        if (stopping) {
            if (session != null) {
                session.close();
            }
            return;
        }
        if (config.transport() == LoadConfig.Transport.WEBSOCKET) {
            if (session == null || session.closed) {
                openSocket(s -> worker(s), () -> vertx.setTimer(100, id -> worker(null)));
                return;
            }
            session.send(next(), () -> worker(session));
        } else {
            sse(next(), null, () -> worker(null));
        }
    }

    private void startRate(long start) {
        Thread t = new Thread(() -> {
            long due = start;
            double meanGapNanos = 1e9 / config.rate();
            while (!stopping) {
                long now = System.nanoTime();
                if (now < due) {
                    long wait = due - now;
                    if (wait > 2_000_000) {
                        try {
                            Thread.sleep(wait / 1_000_000 - 1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    } else {
                        Thread.onSpinWait();
                    }
                    continue;
                }
                if (now >= windowEnd) {
                    return;
                }
                if (inFlight.get() < config.maxInFlight()) {
                    RequestRecord r = next();
                    if (config.transport() == LoadConfig.Transport.WEBSOCKET) {
                        openSocket(s -> s.send(r, s::close), () -> fail(r, "WebSocket connect failed"));
                    } else {
                        // the body is written here, not on an event loop: a long chat's is hundreds of KB
                        Buffer body = Buffer.buffer(body(sequence.incrementAndGet()));
                        vertx.runOnContext(v -> sse(r, body, () -> { }));
                    }
                }
                double gap = config.poisson() ? -Math.log(1 - ThreadLocalRandom.current().nextDouble()) * meanGapNanos
                        : meanGapNanos;
                due += (long) gap;
            }
        }, "load-rate");
        t.setDaemon(true);
        t.start();
    }

    private RequestRecord next() {
        return new RequestRecord();
    }

    private void begin(RequestRecord r) {
        r.sentNanos = System.nanoTime();
        inFlight.incrementAndGet();
    }

    private void end(RequestRecord r, Live l) {
        if (l != null) {
            live.remove(l);
        }
        inFlight.decrementAndGet();
        if (r.error != null) {
            failed.increment();
        } else if (!r.cancelled) {
            finished.increment();
        }
        if (r.sentNanos >= windowStart && r.sentNanos < windowEnd) {
            measured.add(r);
        }
    }

    private void fail(RequestRecord r, String message) {
        if (r.error == null) {
            r.error = message;
        }
    }

    // ---- content handling (shared by both transports) ----------------------------------------

    private void content(RequestRecord r, String raw, long arrivalNanos) {
        if (raw.isEmpty()) {
            return;
        }
        long[] firstStamp = {-1};
        String text;
        if (raw.indexOf('[') >= 0) {
            long arrivalEpoch = epochNanos();
            text = Stamps.strip(raw, sendTime -> {
                long latency = arrivalEpoch - sendTime;
                r.stampLatencies.add(latency);
                if (firstStamp[0] < 0) {
                    firstStamp[0] = latency;
                }
            });
        } else {
            text = raw;
        }
        if (text.isEmpty()) {
            return;
        }
        if (r.firstTokenNanos < 0) {
            r.firstTokenNanos = arrivalNanos;
            r.firstStampLatency = firstStamp[0];
        }
        r.chunks++;
        r.text.append(text);
        tokens.add(Tokens.count(text));
    }

    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private String body(long n) {
        if (historyJson != null) {
            return ChatHistory.body(config.model(), config.outputTokens(), historyJson, config.prompt(n));
        }
        ObjectNode body = ChunkReader.JSON.createObjectNode();
        body.put("model", config.model());
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        body.put("max_tokens", config.outputTokens());
        body.putArray("messages").addObject().put("role", "user").put("content", config.prompt(n));
        return body.toString();
    }

    // ---- SSE --------------------------------------------------------------------------------

    /** A request that can be cancelled at the end of the run. */
    private interface Live {
        void cancel();
    }

    /** One SSE request; {@code prepared} is its body when written off the event loop, else it is written here. */
    private void sse(RequestRecord r, Buffer prepared, Runnable then) {
        Buffer body = prepared != null ? prepared : Buffer.buffer(body(sequence.incrementAndGet()));
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(config.url().toString())
                .putHeader("content-type", "application/json").putHeader("accept", "text/event-stream");
        config.headers().forEach(options::putHeader);
        begin(r);
        Context ctx = vertx.getOrCreateContext();
        boolean[] over = {false};
        boolean[] opened = {false};
        HttpClientRequest[] request = {null};
        Live[] self = {null};
        Runnable finish = () -> {
            if (!over[0]) {
                over[0] = true;
                if (opened[0]) {
                    openStreams.decrementAndGet();
                }
                end(r, self[0]);
                then.run();
            }
        };
        self[0] = () -> ctx.runOnContext(v -> {
            if (over[0]) {
                return;
            }
            r.cancelled = true;
            if (request[0] != null) {
                request[0].reset();
            }
            finish.run();
        });
        live.add(self[0]);
        http.request(options).onFailure(e -> {
            fail(r, "connect: " + e.getMessage());
            finish.run();
        }).onSuccess(req -> {
            request[0] = req;
            if (over[0]) {
                req.reset();
                return;
            }
            r.sentNanos = System.nanoTime();
            req.send(body).onFailure(e -> {
                if (!r.cancelled) {
                    fail(r, "request: " + e.getMessage());
                }
                finish.run();
            }).onSuccess(resp -> {
                if (over[0]) {
                    return;
                }
                if (resp.statusCode() != 200) {
                    resp.body().onComplete(b -> {
                        fail(r, "HTTP " + resp.statusCode() + ": "
                                + (b.succeeded() ? ChunkReader.abbreviate(b.result().toString()) : ""));
                        finish.run();
                    });
                    return;
                }
                opened[0] = true;
                int open = openStreams.incrementAndGet();
                maxOpenStreams.accumulateAndGet(open, Math::max);
                boolean[] done = {false};
                SseParser parser = new SseParser(payload -> {
                    long now = System.nanoTime();
                    ChunkReader.Chunk c = ChunkReader.read(payload);
                    if (c.done()) {
                        done[0] = true;
                        r.endNanos = now;
                        return;
                    }
                    if (c.error() != null) {
                        fail(r, c.error());
                        return;
                    }
                    if (c.completionTokens() >= 0) {
                        r.usageTokens = c.completionTokens();
                    }
                    content(r, c.content(), now);
                });
                resp.handler(buf -> parser.feed(buf.getBytes()));
                resp.exceptionHandler(e -> {
                    if (!r.cancelled) {
                        fail(r, "stream: " + e.getMessage());
                    }
                    finish.run();
                });
                resp.endHandler(v -> {
                    if (!done[0] && r.error == null && !r.cancelled) {
                        fail(r, "stream ended without [DONE]");
                    }
                    finish.run();
                });
            });
        });
    }

    // ---- WebSocket --------------------------------------------------------------------------

    private void openSocket(java.util.function.Consumer<WebSocketSession> ready, Runnable failed) {
        var uri = config.url();
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(uri.getHost())
                .setPort(uri.getPort()).setURI(uri.getRawPath()).setSsl("wss".equals(uri.getScheme()));
        config.headers().forEach(options::addHeader);
        ws.connect(options).onSuccess(socket -> ready.accept(new WebSocketSession(socket)))
                .onFailure(e -> failed.run());
    }

    /** One socket running one generation at a time (ids are the request numbers). */
    private final class WebSocketSession {
        private final WebSocket socket;
        private RequestRecord current;
        private Runnable then;
        private Live l;
        boolean closed;

        WebSocketSession(WebSocket socket) {
            this.socket = socket;
            socket.textMessageHandler(this::message);
            socket.closeHandler(v -> {
                closed = true;
                if (current != null) {
                    if (!current.cancelled) {
                        fail(current, "socket closed");
                    }
                    over();
                }
            });
            socket.exceptionHandler(e -> { });
        }

        void send(RequestRecord r, Runnable after) {
            long n = sequence.incrementAndGet();
            ObjectNode create = ChunkReader.JSON.createObjectNode();
            create.put("type", "create").put("id", "r" + n);
            try {
                create.set("request", ChunkReader.JSON.readTree(body(n)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            current = r;
            then = after;
            l = () -> {
                r.cancelled = true;
                socket.close();
            };
            live.add(l);
            begin(r);
            int open = openStreams.incrementAndGet();
            maxOpenStreams.accumulateAndGet(open, Math::max);
            socket.writeTextMessage(create.toString());
        }

        private void message(String text) {
            RequestRecord r = current;
            if (r == null) {
                return;
            }
            long now = System.nanoTime();
            JsonNode m;
            try {
                m = ChunkReader.JSON.readTree(text);
            } catch (Exception e) {
                return;
            }
            switch (m.path("type").asText()) {
                case "chunk" -> content(r, m.path("delta").asText(""), now);
                case "done" -> {
                    r.endNanos = now;
                    r.usageTokens = m.path("usage").path("completion_tokens").asInt(-1);
                    over();
                }
                case "error" -> {
                    JsonNode e = m.path("error");
                    fail(r, "error event: " + e.path("code").asText("") + " " + e.path("message").asText(""));
                    over();
                }
                default -> { }
            }
        }

        private void over() {
            RequestRecord r = current;
            current = null;
            openStreams.decrementAndGet();
            end(r, l);
            Runnable next = then;
            then = null;
            next.run();
        }

        void close() {
            closed = true;
            socket.close();
        }
    }

    // ---- progress ---------------------------------------------------------------------------

    /** One line on stderr, rewritten in place on a terminal, every few seconds otherwise. */
    static final class Progress {
        private final String name;
        private final boolean enabled;
        private final boolean terminal = System.console() != null;
        private long lastPrint = -1;
        private long lastTokens;
        private long lastAt;

        Progress(String name, boolean enabled) {
            this.name = name;
            this.enabled = enabled;
        }

        void print(long elapsedNanos, LoadGenerator g) {
            long every = terminal ? 1_000_000_000L : 5_000_000_000L;
            if (!enabled || lastPrint >= 0 && elapsedNanos - lastPrint < every) {
                return;
            }
            long t = g.tokensReceived();
            double rate = lastAt == 0 ? 0 : (t - lastTokens) / ((elapsedNanos - lastAt) / 1e9);
            lastTokens = t;
            lastAt = elapsedNanos;
            lastPrint = elapsedNanos;
            String phase = System.nanoTime() < g.windowStart ? "warm-up" : g.stopping ? "drain" : "measure";
            String line = String.format("[%s] %5.1fs %-7s in-flight %5d  open %5d  done %6d  errors %4d  %8.0f tok/s",
                    name, elapsedNanos / 1e9, phase, g.inFlight(), g.openStreams(), g.finished.sum(), g.failed.sum(), rate);
            System.err.print(terminal ? "\r" + line : line + "\n");
            System.err.flush();
        }

        void done(long elapsedNanos, LoadGenerator g) {
            if (!enabled) {
                return;
            }
            lastPrint = -1;
            print(elapsedNanos, g);
            if (terminal) {
                System.err.println();
            }
        }
    }
}
