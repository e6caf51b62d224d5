package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A body over {@code gateway.limits.max-body-bytes} (4 MiB) over raw sockets, the way clients that write
 * their whole body before reading (Python's http.client, several SDKs) send it: the answer is 413 with
 * OpenAI's error JSON ({@code request_too_large}), never an empty 413 or a reset; it comes as soon as the
 * limit is known to be exceeded, while the client is still sending; the rest of the body is dropped for
 * at most {@code gateway.limits.discard-bytes} (64 MiB) and {@code discard-time} (2 s in tests), then the
 * connection is closed. The server answers an honest request after each case.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class OversizedBodyTest {

    private static final int LIMIT = 4 * 1024 * 1024;
    private static final long DISCARD_BYTES = 64L * 1024 * 1024;
    private static final byte[] HEAD = "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\""
            .getBytes(StandardCharsets.US_ASCII);

    @TestHTTPResource
    URL base;

    @AfterEach
    void anHonestRequestStillWorks() throws Exception {
        HttpResponse<String> r = Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("still there? [standin:length=2]", "\"max_tokens\":2"));
        assertEquals(200, r.statusCode(), r.body());
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", base.getPort());
        socket.setSoTimeout(30_000); // a read that hangs fails the test instead of the build
        return socket;
    }

    private static void writeHead(OutputStream out, String framing) throws IOException {
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + framing + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code n} bytes of a chat body that never ends its string: only its size matters. */
    private static byte[] body(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'x');
        System.arraycopy(HEAD, 0, b, 0, HEAD.length);
        return b;
    }

    private static void writeChunk(OutputStream out, byte[] data, int from, int len) throws IOException {
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data, from, len);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    record Answer(int status, Map<String, String> headers, String body) {
        JsonNode error() throws IOException {
            return Sse.JSON.readTree(body).path("error");
        }
    }

    /** One HTTP/1.1 response with a Content-Length, read by hand. */
    private static Answer readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended before a response; got: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static void assertRefused(Answer a) throws IOException {
        assertEquals(413, a.status(), a.toString());
        assertTrue(a.headers().getOrDefault("content-type", "").startsWith("application/json"), a.toString());
        assertEquals("close", a.headers().get("connection"), a.toString());
        JsonNode error = a.error();
        assertEquals("request_too_large", error.path("code").asText(), a.toString());
        assertEquals("invalid_request_error", error.path("type").asText(), a.toString());
        assertTrue(error.path("message").asText().contains(Integer.toString(LIMIT)), a.toString());
    }

    @Test
    void aDeclaredLengthOverTheLimitWrittenWholeBeforeReadingGetsThe413Json() throws Exception {
        // 12 MiB: also over Quarkus's own 10 MiB check, which used to answer an empty 413 and reset the writer.
        byte[] body = body(12 * 1024 * 1024);
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            writeHead(out, "Content-Length: " + body.length);
            out.write(body); // all of it before reading a byte, as Python's http.client does
            out.flush();
            assertRefused(readAnswer(socket.getInputStream()));
            assertEquals(-1, socket.getInputStream().read(), "the server closes after the 413");
        }
    }

    @Test
    void aChunkedBodyOverTheLimitWrittenWholeBeforeReadingGetsThe413Json() throws Exception {
        byte[] body = body(6 * 1024 * 1024);
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            writeHead(out, "Transfer-Encoding: chunked");
            for (int i = 0; i < body.length; i += 65536) {
                writeChunk(out, body, i, Math.min(65536, body.length - i));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertRefused(readAnswer(socket.getInputStream()));
            assertEquals(-1, socket.getInputStream().read(), "the server closes after the 413");
        }
    }

    @Test
    void theAnswerComesWhileTheClientIsStillSendingAndTheWaitForTheRestIsBounded() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            writeHead(out, "Content-Length: " + (12 * 1024 * 1024));
            out.write(body(1024)); // 1 KiB of the 12 MiB announced, then nothing
            out.flush();
            long t0 = System.nanoTime();
            assertRefused(readAnswer(socket.getInputStream()));
            // The rest never comes: the connection is closed after discard-time (2 s), not held.
            assertEquals(-1, socket.getInputStream().read());
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(waited < 20_000, "closed after " + waited + " ms");
        }
    }

    @Test
    void aClientThatNeverStopsSendingGetsThe413AndIsCutOffAfterTheDiscardBound() throws Exception {
        byte[] chunk = body(65536);
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            writeHead(out, "Transfer-Encoding: chunked");
            CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                long n = 0;
                try {
                    while (n < 4 * DISCARD_BYTES) { // a bound for the test itself, far past the server's
                        writeChunk(out, chunk, 0, chunk.length);
                        n += chunk.length;
                    }
                } catch (IOException closedByTheServer) {
                    return n;
                }
                return -n;
            });
            assertRefused(readAnswer(socket.getInputStream())); // read while the writer is still going
            long n = sent.get(60, TimeUnit.SECONDS);
            assertTrue(n > 0, "the server never closed the connection: " + (-n) + " bytes accepted");
            // What the server read (limit + discard bound) plus what the two kernels' buffers held.
            assertTrue(n < LIMIT + DISCARD_BYTES + 32L * 1024 * 1024, n + " bytes sent before the close");
        }
    }

    @Test
    void aBodyWithinTheLimitIsStillServed() throws Exception {
        // Just under the limit in bytes (and far over the context): refused by the validator, not by size.
        String text = "word ".repeat((LIMIT - 200) / 5);
        HttpResponse<String> r = Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat(text, ""));
        assertEquals(400, r.statusCode(), r.body().substring(0, Math.min(300, r.body().length())));
        assertEquals("context_length_exceeded", Sse.JSON.readTree(r.body()).path("error").path("code").asText());
    }
}
