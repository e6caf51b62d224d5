package org.maverick.gateway.api.realtime;

import org.maverick.gateway.api.OutboxTest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.standin.StandInCounters;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading: with a raw socket (a tiny receive buffer, the handshake and frames
 * written by hand, then never read again) the gateway's outbound queue backs up, the socket's
 * generations pause, and after {@code gateway.websocket.stall-timeout} (2 s in tests) the socket is
 * closed and every generation cancelled at the engine. The byte bound itself is unit-tested in
 * {@link OutboxTest}.
 *
 * <p>Slower than the others (about 25 s here): the kernel's socket buffers on loopback (up to
 * {@code tcp_wmem}'s 4 MiB) must fill with chunks before the gateway's own queue backs up.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class RealtimeSlowClientTest {

    @TestHTTPResource
    URL base;

    @Test
    void aClientThatStopsReadingIsClosedAndItsGenerationsCancelled() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        long startedBefore = counters.started();
        int generations = 16;
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 5000);
            OutputStream out = socket.getOutputStream();
            handshake(out, socket.getInputStream());
            for (int i = 0; i < generations; i++) {
                String request = Sse.chat("Long answer " + i + " [standin:length=16000]", "\"max_tokens\":16384");
                textFrame(out, "{\"type\":\"create\",\"id\":\"s" + i + "\",\"request\":" + request + "}");
            }
            // Never read again. Megabytes of chunks fill the socket buffers, then the gateway's queue.
            await().atMost(Duration.ofSeconds(5)).until(() -> counters.started() >= startedBefore + generations);
            // Generous: how soon the buffers fill depends on how fast the stand-in streams on a busy machine.
            await().atMost(Duration.ofSeconds(120)).until(() -> counters.cancelled() >= cancelledBefore + generations);
            await().atMost(Duration.ofSeconds(3)).until(() -> counters.inFlight() == 0);
        }
    }

    private static void handshake(OutputStream out, InputStream in) throws Exception {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        out.write(("GET /v1/realtime/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed during the handshake: " + head);
            }
            head.write(b);
        }
        assertTrue(head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101"), head.toString());
    }

    /** One masked text frame, as a client must send it. */
    private static void textFrame(OutputStream out, String text) throws Exception {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length <= 0xffff) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }
}
