package org.maverick.gateway.api;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.standin.StandInCounters;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many SSE clients that never read: each stream's memory stays bounded (the write queue's high-water
 * mark, a few requested tokens, gRPC's flow-control window), and after {@code gateway.sse.stall-timeout}
 * (3 s here) every connection is closed and every generation cancelled at the engine.
 *
 * <p>The server's kernel send buffer is made small ({@link org.maverick.gateway.support.SmallSendBuffer}),
 * as a congested network would keep it, so that the gateway's queue, not loopback's buffers, fills.
 *
 * <p>Heap (used, after a full GC) and the process's RSS ({@code VmRSS}) are sampled every half second
 * from before the clients connect until they are cut; the peak growth divided by the number of streams
 * must stay under {@link #HEAP_BOUND_PER_STREAM} and {@link #RSS_BOUND_PER_STREAM}, measured on a
 * second round after a first one warmed the JVM. The Triton stand-in runs in this JVM and does not honour
 * gRPC's readiness, so whatever it produced for a stalled stream is counted too (the engine-path
 * contract is used: delta text, not llmapi's cumulative text, so that share grows linearly).
 */
@QuarkusTest
@TestProfile(SseSlowClientTest.ManyAnonymousStreams.class)
@QuarkusTestResource(StandInResource.class)
class SseSlowClientTest {

    public static class ManyAnonymousStreams implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.triton.model", "ensemble",
                    "gateway.admission.anonymous-max-concurrent", "512",
                    "gateway.sse.stall-timeout", "3s",
                    "maverick.test.http-send-buffer-bytes", "16384"); // see SmallSendBuffer
        }
    }

    private static final int STREAMS = 100;
    /** Generous: the write queue (64 KiB) plus a stalled gRPC stream's window and the stand-in's backlog. */
    private static final long HEAP_BOUND_PER_STREAM = 1024 * 1024;
    /** RSS adds direct buffers (Netty's write queue, gRPC's window) and whatever heap the JVM commits. */
    private static final long RSS_BOUND_PER_STREAM = 2 * 1024 * 1024;

    @TestHTTPResource
    URL base;

    @Test
    void clientsThatNeverReadStayBoundedAndAreCutWithTheirGenerationsCancelled() throws Exception {
        // A first round warms the JVM (JIT code, heap regions, Netty's buffer pools): RSS only grows, so
        // without it the second figure would be the JVM settling, not the streams.
        round(false);
        round(true);
        // The gateway still serves.
        assertEquals(200, Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("hi [standin:length=3]", "")).statusCode());
    }

    private void round(boolean measured) throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long startedBefore = counters.started();
        long cancelledBefore = counters.cancelled();
        long finishedBefore = counters.finished();
        // 4000 tokens at 2 ms: longer than the stall point plus the stall timeout, so the cut finds the
        // generation still running at the engine, which counts the cancellation.
        String body = Sse.chat("Long answer [standin:length=4000] [standin:itl_ms=2]", "\"stream\":true,"
                + "\"max_tokens\":8000");
        Memory before = Memory.sample();
        List<Socket> sockets = new ArrayList<>();
        Sampler sampler = new Sampler();
        sampler.start();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < STREAMS; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 5000);
                byte[] payload = body.getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(payload);
                s.getOutputStream().flush();
                sockets.add(s); // and never read
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> counters.started() >= startedBefore + STREAMS);
            await().atMost(Duration.ofSeconds(30)).until(() -> counters.cancelled() >= cancelledBefore + STREAMS);
            long cutAfterMs = (System.nanoTime() - t0) / 1_000_000;
            sampler.stop();
            await().atMost(Duration.ofSeconds(5)).until(() -> counters.inFlight() == 0);
            assertEquals(finishedBefore, counters.finished(), "no stream may run to its end while its client "
                    + "does not read");

            long heapPerStream = (sampler.peakHeap - before.heap) / STREAMS;
            long rssPerStream = (sampler.peakRss - before.rss) / STREAMS;
            System.out.printf("SseSlowClientTest (%s): %d streams, cut after %d ms; heap %d -> peak %d KiB (%d KiB per "
                            + "stream), RSS %d -> peak %d KiB (%d KiB per stream), %d samples%n", measured ? "measured" : "warm-up", STREAMS,
                    cutAfterMs, before.heap / 1024, sampler.peakHeap / 1024, heapPerStream / 1024, before.rss / 1024,
                    sampler.peakRss / 1024, rssPerStream / 1024, sampler.samples);
            if (measured) {
                assertTrue(heapPerStream < HEAP_BOUND_PER_STREAM, "heap per stream " + heapPerStream);
                assertTrue(rssPerStream < RSS_BOUND_PER_STREAM, "RSS per stream " + rssPerStream);
            }

            // Each connection was closed by the gateway: what was buffered ends in EOF, without [DONE].
            for (Socket s : sockets.subList(0, 5)) {
                String received = drain(s);
                assertTrue(received.startsWith("HTTP/1.1 200"), received.substring(0, Math.min(200, received.length())));
                assertFalse(received.contains("[DONE]"), "a cut stream does not end normally");
            }
        } finally {
            sampler.stop();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static String drain(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                all.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the gateway did not close a stalled connection", e);
        } catch (java.net.SocketException reset) {
            // closed by the gateway with unread data: a reset is a close too
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    private record Memory(long heap, long rss) {
        static Memory sample() throws Exception {
            ManagementFactory.getMemoryMXBean().gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return new Memory(heap, rss);
        }
    }

    /** Peak heap-after-GC and RSS, sampled on its own thread every 500 ms. */
    private static final class Sampler implements Runnable {
        private volatile boolean running = true;
        private final Thread thread = new Thread(this, "memory-sampler");
        volatile long peakHeap;
        volatile long peakRss;
        volatile int samples;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5000);
        }

        @Override
        public void run() {
            while (running) {
                try {
                    Memory m = Memory.sample();
                    peakHeap = Math.max(peakHeap, m.heap);
                    peakRss = Math.max(peakRss, m.rss);
                    samples++;
                    Thread.sleep(500); // the sampling period, not a wait
                } catch (Exception e) {
                    return;
                }
            }
        }
    }
}
