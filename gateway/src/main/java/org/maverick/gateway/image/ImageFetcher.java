package org.maverick.gateway.image;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.WriteStream;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.HttpContext;
import io.vertx.ext.web.client.impl.WebClientInternal;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.gateway.telemetry.Telemetry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetches image URLs for the gateway, so that Triton only ever receives {@code data:} URIs and never
 * fetches what a caller names. Asynchronous on the Vert.x event loops (Vert.x's web client); the only
 * blocking step, the name lookup, runs on a small bounded pool of its own.
 *
 * <p>The SSRF rules: only {@code https} (and {@code http} when allowed; {@link FetchUrl}); the host is
 * resolved here and every address it resolves to is checked with {@link FetchAddressRules} (one refused
 * address refuses the URL); the connection then goes to the very address checked, with the URL's host as
 * the Host header, TLS server name and certificate name, so nothing resolves the name a second time and a
 * DNS answer that changes between check and connect (DNS rebinding) cannot reach an internal address.
 * Redirects are followed here, never by the client, each target checked the same way, at most
 * {@code max-redirects}. One time limit covers the whole fetch, redirects included; the body is counted as
 * it streams in and the connection is reset as soon as it passes {@code gateway.images.max-bytes}. The
 * server's Content-Type is ignored: the intake judges the bytes by their magic number.
 */
public final class ImageFetcher {

    /** Redirect statuses that carry a Location to follow (304 and 300 do not). */
    private static final List<Integer> REDIRECTS = List.of(301, 302, 303, 307, 308);

    private final Vertx vertx;
    private final GatewayConfig.Images limits;
    private final GatewayConfig.Images.Fetch settings;
    private final FetchAddressRules rules;
    private final Telemetry telemetry;
    private final GatewayMetrics metrics;
    private final WebClient client;
    private final ThreadPoolExecutor resolvers;
    /** The fetch each request in flight belongs to (identity keys), for {@link #intercept}. */
    private final Map<HttpRequest<?>, Fetch> exchanges = new ConcurrentHashMap<>();

    public ImageFetcher(Vertx vertx, GatewayConfig.Images limits, Telemetry telemetry) {
        this.vertx = vertx;
        this.limits = limits;
        this.settings = limits.fetch();
        this.rules = FetchAddressRules.of(settings.allow().orElse(List.of()));
        this.telemetry = telemetry;
        this.metrics = telemetry.metrics();
        WebClientOptions options = new WebClientOptions()
                .setFollowRedirects(false) // followed by hand below, each target checked
                .setKeepAlive(false)       // one connection per fetch, to the address just checked
                .setTryUseCompression(false) // the wire bytes are what max-bytes counts: no inflating a bomb
                .setUserAgent("maverick-gateway image fetch")
                .setVerifyHost(true)
                // An image server is a stranger: it gets no traceparent of ours (the fetch span is our record).
                .setTracingPolicy(TracingPolicy.IGNORE)
                .setMaxPoolSize(8)
                .setMaxWaitQueueSize(32);
        settings.trustCertificates().ifPresent(files -> {
            PemTrustOptions trust = new PemTrustOptions();
            files.forEach(trust::addCertPath);
            options.setTrustOptions(trust);
        });
        WebClient web = WebClient.create(vertx, options);
        // The interceptor (Vert.x's internal but public hook, the one its own expectations use) sees the
        // connection's request and response: it judges the status and headers before any body byte is read,
        // and keeps the request so that a fetch can reset its connection the moment it must stop (the web
        // client alone would drain the rest of the body into nothing).
        ((WebClientInternal) web).addInterceptor(this::intercept);
        this.client = web;
        AtomicInteger n = new AtomicInteger();
        // Name lookups block (the JDK's resolver reads /etc/hosts and asks DNS): a few threads and a short
        // queue, so a burst of slow lookups is a 503, not a pile-up.
        this.resolvers = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "image-fetch-resolve-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        resolvers.allowCoreThreadTimeOut(true);
    }

    /**
     * Fetches {@code url}: the image's bytes within {@code max-bytes}, or an {@link ImageRefusal} (or a
     * {@link GatewayException.BackendUnavailable} when the lookup pool is full). Completes on a Vert.x
     * event loop; the fetch span is a child of {@code parent}.
     */
    public Uni<byte[]> fetch(FetchUrl url, io.opentelemetry.context.Context parent) {
        return Uni.createFrom().emitter(em -> {
            Fetch f = new Fetch(url, parent, em::complete, em::fail);
            em.onTermination(f::abandon);
            f.context.runOnContext(v -> f.start());
        });
    }

    public void close() {
        client.close();
        resolvers.shutdownNow();
    }

    /** One fetch: every step runs on {@link #context}, so its state needs no locks. */
    private final class Fetch {
        final Context context = vertx.getOrCreateContext();
        final FetchUrl first;
        final Span span;
        final java.util.function.Consumer<byte[]> ok;
        final java.util.function.Consumer<Throwable> failed;
        final long started = System.nanoTime();
        final long deadline = started + settings.timeout().toNanos();
        long received;
        long timer = -1;
        /** The current hop's HTTP exchange, once its request is written: reset to stop the download. */
        HttpClientRequest exchange;
        /** Set once, on {@link #context}, when the outcome is known. */
        boolean finished;

        Fetch(FetchUrl url, io.opentelemetry.context.Context parent, java.util.function.Consumer<byte[]> ok,
              java.util.function.Consumer<Throwable> failed) {
            this.first = url;
            this.ok = ok;
            this.failed = failed;
            this.span = telemetry.imageFetchSpan(parent, url.https() ? "https" : "http", url.host(), url.port());
        }

        void start() {
            timer = vertx.setTimer(Math.max(1, settings.timeout().toMillis()), t -> finish(null,
                    new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "fetching the image took longer than "
                            + settings.timeout().toMillis() + " ms (gateway.images.fetch.timeout)")));
            hop(first, 0);
        }

        /**
         * The subscriber is gone (its request ended, failed elsewhere, or this fetch finished): a no-op after
         * the outcome, otherwise the fetch ends here and its connection is reset at the next chunk.
         */
        void abandon() {
            context.runOnContext(v -> finish(null, new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED,
                    "the fetch was abandoned")));
        }

        void hop(FetchUrl url, int redirects) {
            resolve(url.host())
                    .map(addresses -> checked(url, addresses))
                    .compose(address -> get(url, address))
                    .onComplete(ar -> {
                        if (finished) {
                            return;
                        }
                        if (ar.succeeded()) {
                            finish(ar.result(), null);
                        } else if (ar.cause() instanceof Redirect r) {
                            if (redirects >= settings.maxRedirects()) {
                                finish(null, new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "the image server "
                                        + "redirected more than " + settings.maxRedirects()
                                        + " times (gateway.images.fetch.max-redirects)"));
                                return;
                            }
                            FetchUrl next;
                            try {
                                next = url.redirect(r.location, settings.allowHttp());
                            } catch (ImageRefusal refused) {
                                finish(null, refused);
                                return;
                            }
                            span.addEvent("redirect");
                            hop(next, redirects + 1);
                        } else {
                            finish(null, ar.cause());
                        }
                    });
        }

        /** The host's addresses, looked up off the event loop; back on {@link #context}. */
        Future<List<InetAddress>> resolve(String host) {
            Promise<List<InetAddress>> p = Promise.promise();
            try {
                resolvers.execute(() -> {
                    List<InetAddress> addresses;
                    try {
                        addresses = List.of(InetAddress.getAllByName(host));
                    } catch (UnknownHostException e) {
                        context.runOnContext(v -> p.fail(new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED,
                                "the image host " + FetchUrl.printable(host) + " does not resolve")));
                        return;
                    } catch (RuntimeException e) {
                        context.runOnContext(v -> p.fail(new ImageRefusal(ImageRefusal.Reason.INVALID_URL,
                                "the image host " + FetchUrl.printable(host) + " is not a host name")));
                        return;
                    }
                    context.runOnContext(v -> p.complete(addresses));
                });
            } catch (RejectedExecutionException full) {
                p.fail(new GatewayException.BackendUnavailable("too many image URLs are being fetched right now; "
                        + "retry shortly", Duration.ofSeconds(1), null));
            }
            return p.future();
        }

        /** The address to connect to, once every address of the host has passed the rules. */
        InetAddress checked(FetchUrl url, List<InetAddress> addresses) {
            if (addresses.isEmpty()) {
                throw new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "the image host " + url.host()
                        + " has no address");
            }
            // All, not only the one used: a name that answers with a public and an internal address is a
            // name pointed at the inside, and a later retry could pick the other.
            for (InetAddress a : addresses) {
                Optional<String> why = rules.refusal(a);
                if (why.isPresent()) {
                    throw new ImageRefusal(ImageRefusal.Reason.FORBIDDEN_ADDRESS, "the image host "
                            + FetchUrl.printable(url.host()) + " resolves to an address the gateway does not fetch "
                            + "from: " + why.get());
                }
            }
            return addresses.get(0);
        }

        Future<byte[]> get(FetchUrl url, InetAddress address) {
            long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            RequestOptions options = new RequestOptions()
                    .setHost(url.host()) // Host header, SNI and the name the certificate must carry
                    .setPort(url.port())
                    .setURI(url.requestTarget())
                    .setSsl(url.https())
                    .setFollowRedirects(false)
                    .setConnectTimeout(remainingMs)
                    // A stalled server is dropped by the deadline; this idle limit also frees its socket.
                    .setIdleTimeout(remainingMs);
            HttpRequest<byte[]> request = client.request(HttpMethod.GET,
                            SocketAddress.inetSocketAddress(url.port(), address.getHostAddress()), options)
                    .putHeader("accept", "image/png, image/jpeg, image/gif, image/webp")
                    .putHeader("accept-encoding", "identity")
                    .as(new BoundedBody());
            exchanges.put(request, this);
            Future<HttpResponse<byte[]>> sent = request.send();
            sent.onComplete(ar -> exchanges.remove(request));
            return sent.map(HttpResponse::body)
                    .recover(e -> Future.failedFuture(e instanceof ImageRefusal || e instanceof Redirect ? e
                            : new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "the image could not be fetched from "
                                    + FetchUrl.printable(url.host()) + ": " + describe(e))));
        }

        /** Before the body: a redirect is followed without reading it, an error status or a declared size too large ends the fetch. */
        void headers(HttpClientResponse response) {
            int status = response.statusCode();
            if (REDIRECTS.contains(status)) {
                throw new Redirect(response.getHeader("location"));
            }
            if (status != 200) {
                throw new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "the image server answered HTTP " + status);
            }
            String length = response.getHeader("content-length");
            if (length != null) {
                long declared;
                try {
                    declared = Long.parseLong(length.trim());
                } catch (NumberFormatException e) {
                    declared = -1;
                }
                if (declared > limits.maxBytes()) {
                    throw tooLarge("declares " + declared + " bytes");
                }
            }
        }

        /** Stops the current hop's download: resetting an exchange in flight closes its connection. */
        void stop() {
            if (exchange != null) {
                exchange.reset();
                exchange = null;
            }
        }

        void finish(byte[] bytes, Throwable failure) {
            if (finished) {
                return;
            }
            finished = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            if (failure != null) {
                stop();
            }
            String outcome = failure == null ? "ok" : failure instanceof ImageRefusal r ? r.reason().code() : "unavailable";
            metrics.imageFetched(received, System.nanoTime() - started, outcome);
            span.setAttribute("maverick.image.bytes", received);
            if (failure != null) {
                span.setAttribute(Telemetry.ERROR_TYPE, outcome);
                span.setStatus(StatusCode.ERROR, failure.getMessage());
            }
            span.end();
            if (failure == null) {
                ok.accept(bytes);
            } else {
                failed.accept(failure);
            }
        }

        /**
         * The body, counted as it arrives: past {@code max-bytes}, or past the deadline, the write fails, which
         * makes the web client reset the connection; nothing beyond the limit is kept or read.
         */
        final class BoundedBody implements BodyCodec<byte[]> {
            @Override
            public void create(Handler<AsyncResult<BodyStream<byte[]>>> handler) {
                handler.handle(Future.succeededFuture(new Stream()));
            }
        }

        final class Stream implements BodyStream<byte[]> {
            final Buffer buffer = Buffer.buffer(4096);
            final Promise<byte[]> result = Promise.promise();

            @Override
            public Future<byte[]> result() {
                return result.future();
            }

            @Override
            public void handle(Throwable cause) {
                result.tryFail(cause);
            }

            @Override
            public Future<Void> write(Buffer data) {
                received += data.length();
                Throwable stop = null;
                if (finished) { // the deadline passed, or the caller is gone
                    stop = new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "the fetch has ended");
                } else if (buffer.length() + (long) data.length() > limits.maxBytes()) {
                    stop = tooLarge("sent more than " + limits.maxBytes() + " bytes");
                }
                if (stop != null) {
                    finish(null, stop); // the outcome, and the connection reset, at once
                    result.tryFail(stop);
                    return Future.failedFuture(stop);
                }
                buffer.appendBuffer(data);
                return Future.succeededFuture();
            }

            @Override
            public void write(Buffer data, Handler<AsyncResult<Void>> handler) {
                Future<Void> f = write(data);
                if (handler != null) {
                    handler.handle(f);
                }
            }

            @Override
            public void end(Handler<AsyncResult<Void>> handler) {
                if (buffer.length() == 0) {
                    result.tryFail(new ImageRefusal(ImageRefusal.Reason.MALFORMED, "the image server sent no data"));
                } else {
                    result.tryComplete(buffer.getBytes());
                }
                if (handler != null) {
                    handler.handle(Future.succeededFuture());
                }
            }

            @Override
            public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
                return this;
            }

            @Override
            public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
                return this;
            }

            @Override
            public boolean writeQueueFull() {
                return false; // each chunk is copied at once, within max-bytes
            }

            @Override
            public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
                return this;
            }
        }
    }

    /** On the fetch's context: keeps each hop's request, and judges its response before the body. */
    private void intercept(HttpContext<?> ctx) {
        Fetch f = exchanges.get(ctx.request());
        if (f != null && ctx.phase() == ClientPhase.SEND_REQUEST) {
            f.exchange = ctx.clientRequest();
        } else if (f != null && ctx.phase() == ClientPhase.RECEIVE_RESPONSE) {
            try {
                f.headers(ctx.clientResponse());
            } catch (ImageRefusal | Redirect stop) {
                ctx.fail(stop);
                f.stop(); // a redirect's or an error's body is never read
                return;
            }
        }
        ctx.next();
    }

    private ImageRefusal tooLarge(String what) {
        return new ImageRefusal(ImageRefusal.Reason.TOO_LARGE, "the image server " + what + ", more than the "
                + limits.maxBytes() + " allowed (gateway.images.max-bytes); the download was stopped");
    }

    private static String describe(Throwable e) {
        if (e instanceof java.util.concurrent.TimeoutException) {
            return "no answer in time";
        }
        if (e instanceof javax.net.ssl.SSLException || e.getCause() instanceof javax.net.ssl.SSLException) {
            return "the TLS handshake failed (certificate not trusted or not for this host)";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : FetchUrl.printable(m);
    }

    /** A redirect answer, carried out of the web client's header check so that its body is never read. */
    private static final class Redirect extends RuntimeException {
        final String location;

        Redirect(String location) {
            super("redirect", null, false, false);
            this.location = location;
        }
    }
}
