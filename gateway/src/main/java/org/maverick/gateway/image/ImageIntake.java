package org.maverick.gateway.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.maverick.gateway.backend.triton.ModelContract;
import org.maverick.gateway.backend.triton.TritonPool;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.telemetry.GatewayMetrics;
import org.maverick.gateway.telemetry.Telemetry;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Turns a request's {@code image_url} content parts into {@link CheckedImage}s: the shape of each part
 * and the {@code data:} URI's base64 are checked where the request is parsed; pixels are decoded on a
 * small bounded pool of its own, never on an event loop (a large PNG takes tens of milliseconds to
 * inflate, which would stall every stream on that loop). Each refusal is a 400 naming the part.
 *
 * <p>The decoder is the JDK's ImageIO (PNG, JPEG, GIF) with TwelveMonkeys' WebP reader; an image is
 * decoded once, subsampled so the pixels kept stay small whatever its size (every byte of the stream
 * is still read and checked), only to prove it is an image and not a truncated or mislabelled file.
 */
@ApplicationScoped
public class ImageIntake {

    private static final String DATA = "data:";
    /** What a decoder may keep per image: subsampled to about a megapixel, whatever the image's size. */
    private static final int KEEP_SIDE = 1024;

    private final GatewayConfig.Images limits;
    private final Supplier<Optional<ModelContract>> contract;
    private final ThreadPoolExecutor decoders;
    /** Empty when fetching is off ({@code gateway.images.fetch.enabled=false}) or in unit tests. */
    private final Optional<ImageFetcher> fetcher;
    private final GatewayMetrics metrics;

    @Inject
    ImageIntake(GatewayConfig config, TritonPool pool, Vertx vertx, Telemetry telemetry) {
        this(config.images(), pool::contract, config.images().fetch().enabled()
                ? Optional.of(new ImageFetcher(vertx, config.images(), telemetry)) : Optional.empty(),
                telemetry.metrics());
    }

    /** Without a fetcher (URLs are refused once their shape is checked) and with metrics of its own: for tests. */
    public ImageIntake(GatewayConfig.Images limits, Supplier<Optional<ModelContract>> contract) {
        this(limits, contract, Optional.empty(), GatewayMetrics.of(new SimpleMeterRegistry()));
    }

    /**
     * @param contract the served model's contract, empty until Triton has been read (then the backend,
     *                 which checks it again, decides)
     */
    public ImageIntake(GatewayConfig.Images limits, Supplier<Optional<ModelContract>> contract,
                       Optional<ImageFetcher> fetcher, GatewayMetrics metrics) {
        this.limits = limits;
        this.contract = contract;
        this.fetcher = fetcher;
        this.metrics = metrics;
        AtomicInteger n = new AtomicInteger();
        // Bounded both ways: a few threads, a queue of a few dozen images; beyond that a 503, not a backlog.
        this.decoders = new ThreadPoolExecutor(limits.decodeThreads(), limits.decodeThreads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.decodeQueue()), r -> {
                    Thread t = new Thread(r, "image-decode-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        decoders.allowCoreThreadTimeOut(true);
        // The WebP reader registers through the service loader of the class path it was loaded from.
        ImageIO.scanForPlugins();
        ImageIO.setUseCache(false);
    }

    public GatewayConfig.Images limits() {
        return limits;
    }

    /**
     * Refuses an image part when the served model cannot take pictures with the gateway's rendered prompt.
     * Called for the first image part of a request.
     */
    public void requireImageModel(String param) {
        contract.get().flatMap(ModelContract::imageRefusal).ifPresent(why -> {
            throw new InvalidRequest(param, "image parts are not accepted by this deployment: " + why
                    + ". Deploy the repository's triton-model-repo/models/tensorrt_llm/1/model.py to serve pictures.",
                    ImageRefusal.Reason.MODEL.code());
        });
    }

    /**
     * The value of an {@code image_url} content part ({@code {"url": ..., "detail": ...}}), checked for shape;
     * a {@code data:} URI is decoded from base64 here, within {@code max-bytes}.
     *
     * @param param {@code messages[i].content[j].image_url}
     */
    public ImageSource source(JsonNode imageUrl, String param) {
        if (imageUrl == null || !imageUrl.isObject()) {
            throw new InvalidRequest(param, param + " must be an object with a url", "invalid_type");
        }
        JsonNode url = imageUrl.get("url");
        if (url == null || !url.isTextual() || url.textValue().isEmpty()) {
            throw new InvalidRequest(param + ".url", param + ".url must be a non-empty string",
                    url == null ? "missing_required_parameter" : "invalid_type");
        }
        JsonNode detail = imageUrl.get("detail");
        // detail is accepted and has no effect: Llama 4's tiling is fixed by the picture's size.
        if (detail != null && !detail.isNull() && !(detail.isTextual()
                && List.of("auto", "low", "high").contains(detail.textValue()))) {
            throw new InvalidRequest(param + ".detail", param + ".detail must be one of auto, low, high",
                    "invalid_value");
        }
        String u = url.textValue();
        try {
            if (u.regionMatches(true, 0, DATA, 0, DATA.length())) {
                return new ImageSource(param, Optional.of(dataUri(u)), Optional.empty());
            }
            return new ImageSource(param, Optional.empty(), Optional.of(remote(u)));
        } catch (ImageRefusal r) {
            throw refused(param, r);
        }
    }

    /**
     * Checks a request's pictures, in order: URLs are fetched first (all of a request's at once, on the
     * event loops, by {@link ImageFetcher}), then every picture is checked as a {@code data:} URI's bytes
     * are. Triton only ever gets the checked bytes as {@code data:} URIs. The fetch spans are children of
     * the trace context current here (the HTTP request's).
     */
    public Uni<List<CheckedImage>> resolve(List<ImageSource> sources) {
        if (!sources.isEmpty()) {
            metrics.imagesPerRequest(sources.size());
        }
        io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
        List<Uni<byte[]>> bytes = new ArrayList<>(sources.size());
        boolean remote = false;
        for (ImageSource s : sources) {
            if (s.inline().isPresent()) {
                bytes.add(Uni.createFrom().item(s.inline().get()));
                continue;
            }
            if (fetcher.isEmpty()) {
                return Uni.createFrom().failure(refused(s.param(), new ImageRefusal(ImageRefusal.Reason.INVALID_URL,
                        "this gateway does not fetch image URLs (gateway.images.fetch.enabled is false); "
                                + "send the image as a data: URI")));
            }
            remote = true;
            bytes.add(fetcher.get().fetch(s.remote().orElseThrow(), trace)
                    .onFailure(ImageRefusal.class).transform(r -> refused(s.param(), (ImageRefusal) r)));
        }
        if (!remote) {
            List<byte[]> inline = new ArrayList<>(sources.size());
            sources.forEach(s -> inline.add(s.inline().get()));
            return check(sources, inline);
        }
        // Fail fast: the first refused picture refuses the request and abandons the other fetches.
        return Uni.join().all(bytes).andFailFast().flatMap(all -> check(sources, all));
    }

    /**
     * Checks every source (fetching remote ones is not part of this step: they come as bytes) on the
     * decoding pool; the result keeps the request's order. Completes on a decoding thread.
     */
    public Uni<List<CheckedImage>> check(List<ImageSource> sources, List<byte[]> bytes) {
        long total = 0;
        for (byte[] b : bytes) {
            total += b.length;
        }
        if (total > limits.maxTotalBytes()) {
            metrics.imageRefused(ImageRefusal.Reason.TOO_LARGE.code());
            return Uni.createFrom().failure(new InvalidRequest(sources.get(sources.size() - 1).param(),
                    "the images of this request are " + total + " bytes together, more than the "
                            + limits.maxTotalBytes() + " allowed (gateway.images.max-total-bytes)",
                    ImageRefusal.Reason.TOO_LARGE.code()));
        }
        List<Uni<CheckedImage>> each = new ArrayList<>(sources.size());
        for (int i = 0; i < sources.size(); i++) {
            each.add(decode(sources.get(i).param(), bytes.get(i)));
        }
        if (each.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(each).andFailFast();
    }

    private Uni<CheckedImage> decode(String param, byte[] bytes) {
        return Uni.createFrom().emitter(em -> {
            try {
                decoders.execute(() -> {
                    try {
                        em.complete(inspect(bytes));
                    } catch (ImageRefusal r) {
                        em.fail(refused(param, r));
                    } catch (RuntimeException | Error e) {
                        em.fail(refused(param, new ImageRefusal(ImageRefusal.Reason.MALFORMED,
                                "the image could not be decoded")));
                    }
                });
            } catch (RejectedExecutionException full) {
                em.fail(new GatewayException.BackendUnavailable("too many images are being checked right now; "
                        + "retry shortly", Duration.ofSeconds(1), null));
            }
        });
    }

    /**
     * The whole check of one image's bytes: format from the magic number, size from the header, limits,
     * then one full decode. Blocking and CPU-bound: call it on the decoding pool (or in a test).
     */
    public CheckedImage inspect(byte[] bytes) {
        if (bytes.length > limits.maxBytes()) {
            throw new ImageRefusal(ImageRefusal.Reason.TOO_LARGE, "the image is " + bytes.length
                    + " bytes, more than the " + limits.maxBytes() + " allowed (gateway.images.max-bytes)");
        }
        ImageFormat format = ImageFormat.sniff(bytes).orElseThrow(() -> new ImageRefusal(
                ImageRefusal.Reason.UNSUPPORTED_FORMAT,
                "the data is not a PNG, JPEG, GIF or WebP image (judged by its first bytes)"));
        ImageHeaders.Size size = ImageHeaders.read(format, bytes);
        if (size.width() > limits.maxSide() || size.height() > limits.maxSide()) {
            throw new ImageRefusal(ImageRefusal.Reason.TOO_MANY_PIXELS, "the image is " + size
                    + " pixels; neither side may exceed " + limits.maxSide() + " (gateway.images.max-side)");
        }
        if ((long) size.width() * size.height() > limits.maxPixels()) {
            throw new ImageRefusal(ImageRefusal.Reason.TOO_MANY_PIXELS, "the image is " + size + " = "
                    + (long) size.width() * size.height() + " pixels, more than the " + limits.maxPixels()
                    + " allowed (gateway.images.max-pixels)");
        }
        decodeFully(format, bytes, size);
        int tokens = Llama4Tiling.tokens(size.width(), size.height());
        String uri = "data:" + format.mediaType() + ";base64," + Base64.getEncoder().encodeToString(bytes);
        return new CheckedImage(format, size.width(), size.height(), bytes.length, tokens, uri);
    }

    private static void decodeFully(ImageFormat format, byte[] bytes, ImageHeaders.Size size) {
        String name = format.name().toLowerCase(Locale.ROOT);
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(name);
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + name + " on the class path");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            // JDK readers report a truncated JPEG or GIF as a warning and return a half-grey picture.
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            ImageReadParam param = reader.getDefaultReadParam();
            int step = Math.max(1, (Math.max(size.width(), size.height()) + KEEP_SIDE - 1) / KEEP_SIDE);
            param.setSourceSubsampling(step, step, 0, 0);
            reader.read(0, param);
        } catch (IIOException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new ImageRefusal(ImageRefusal.Reason.MALFORMED, "the " + format + " image is truncated or corrupt");
        } catch (IOException e) {
            throw new ImageRefusal(ImageRefusal.Reason.MALFORMED, "the " + format + " image ends before its data does");
        } finally {
            reader.dispose();
        }
        if (!warnings.isEmpty()) {
            throw new ImageRefusal(ImageRefusal.Reason.MALFORMED, "the " + format + " image is truncated or corrupt ("
                    + warnings.get(0) + ")");
        }
    }

    private byte[] dataUri(String uri) {
        int comma = uri.indexOf(',');
        if (comma < 0) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL, "the data: URI has no comma before its data");
        }
        String meta = uri.substring(DATA.length(), comma).toLowerCase(Locale.ROOT);
        if (!meta.endsWith(";base64")) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL,
                    "the data: URI must be base64 (data:image/png;base64,...)");
        }
        String type = meta.substring(0, meta.length() - ";base64".length());
        int semicolon = type.indexOf(';');
        String mediaType = semicolon < 0 ? type : type.substring(0, semicolon);
        // The bytes decide the format; a declared type only has to claim to be one of ours.
        if (!mediaType.isEmpty() && ImageFormat.ofMediaType(mediaType).isEmpty()) {
            throw new ImageRefusal(ImageRefusal.Reason.UNSUPPORTED_FORMAT, "the data: URI's type '"
                    + mediaType.replaceAll("[^ -~]", "?") + "' is not one of image/png, image/jpeg, image/gif, image/webp");
        }
        long encoded = uri.length() - comma - 1L;
        if (encoded / 4 * 3 > limits.maxBytes()) {
            throw new ImageRefusal(ImageRefusal.Reason.TOO_LARGE, "the image is about " + encoded / 4 * 3
                    + " bytes, more than the " + limits.maxBytes() + " allowed (gateway.images.max-bytes)");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(uri.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw new ImageRefusal(ImageRefusal.Reason.BAD_BASE64, "the data: URI's data is not valid base64 ("
                    + e.getMessage() + ")");
        }
        if (bytes.length == 0) {
            throw new ImageRefusal(ImageRefusal.Reason.MALFORMED, "the data: URI holds no data");
        }
        return bytes;
    }

    private FetchUrl remote(String url) {
        FetchUrl parsed = FetchUrl.parse(url, limits.fetch().allowHttp());
        if (!limits.fetch().enabled()) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL, "this gateway does not fetch image URLs "
                    + "(gateway.images.fetch.enabled is false); send the image as a data: URI");
        }
        return parsed;
    }

    /** The refusal of one content part as the client sees it, counted by reason. */
    private InvalidRequest refused(String param, ImageRefusal r) {
        metrics.imageRefused(r.reason().code());
        return refusal(param, r);
    }

    /** The refusal of one content part as the client sees it. */
    public static InvalidRequest refusal(String param, ImageRefusal r) {
        return new InvalidRequest(param, param + ": " + r.getMessage(), r.reason().code());
    }

    @PreDestroy
    void close() {
        decoders.shutdownNow();
        fetcher.ifPresent(ImageFetcher::close);
    }
}
