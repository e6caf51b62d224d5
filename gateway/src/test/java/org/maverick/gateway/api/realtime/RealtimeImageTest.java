package org.maverick.gateway.api.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Pictures;
import org.maverick.gateway.support.StandInResource;
import org.maverick.gateway.support.WsClient;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pictures over the realtime WebSocket: a {@code create} with {@code image_url} parts is checked as on
 * {@code POST /v1/chat/completions} (off the event loop, handed back to the socket) and reaches the stand-in,
 * which under {@code [standin:images]} answers with what it received; a refused picture is the socket's error
 * event naming the part. Real socket, real gRPC to the stand-in serving the repository's model contract.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class RealtimeImageTest {

    @TestHTTPResource
    URL base;

    @Test
    void aPictureInACreateReachesTheEngineAndTheAnswerStreams() throws Exception {
        try (WsClient ws = WsClient.connect(base)) {
            ws.createRequest("p1", Pictures.chat("What is this? [standin:images]", "",
                    Pictures.dataUri(Pictures.png(64, 48))));
            JsonNode done = ws.awaitEvent("done", "p1");
            assertEquals("1 image: 64x48 image/png.", ws.text("p1"));
            assertEquals("stop", done.path("finish_reason").asText());
            // A one-tile picture is 147 prompt tokens, on top of the text.
            assertTrue(done.path("usage").path("prompt_tokens").asInt() > 147, done.toString());
        }
    }

    @Test
    void aLargeMessageWithTwoPicturesIsCheckedOffTheEventLoopAndKeepsTheirOrder() throws Exception {
        // Random pixels do not compress: this message is far over gateway.limits.inline-parse-bytes (32 KiB),
        // so it is validated on a worker thread, then its pictures on the decoding pool.
        byte[] noisy = Pictures.noisyPng(200, 150, 7);
        assertTrue(noisy.length > 64 * 1024, "the picture is " + noisy.length + " bytes");
        try (WsClient ws = WsClient.connect(base)) {
            ws.createRequest("p2", Pictures.chat("Compare [standin:images]", "",
                    Pictures.dataUri(noisy), Pictures.dataUri(Pictures.png(800, 600))));
            ws.awaitEvent("done", "p2");
            assertEquals("2 images: 200x150 image/png, 800x600 image/png.", ws.text("p2"));
        }
    }

    @Test
    void aRefusedPictureIsAnErrorEventNamingThePartAndTheSocketStaysUsable() throws Exception {
        long started = StandInResource.standIn().counters().started();
        String notAPicture = "data:image/png;base64,"
                + Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
        try (WsClient ws = WsClient.connect(base)) {
            ws.createRequest("bad", Pictures.chat("What is this?", "", notAPicture));
            JsonNode error = ws.awaitEvent("error", "bad").path("error");
            assertEquals("messages[0].content[1].image_url", error.path("param").asText(), error.toString());
            assertEquals("unsupported_image_format", error.path("code").asText(), error.toString());
            assertEquals(started, StandInResource.standIn().counters().started(), "nothing reached the engine");
            assertTrue(ws.events("done", "bad").isEmpty());

            // The id is free again, and the socket still serves pictures.
            ws.createRequest("bad", Pictures.chat("Now a real one [standin:images]", "",
                    Pictures.dataUri(Pictures.png(10, 10))));
            ws.awaitEvent("done", "bad");
            assertEquals("1 image: 10x10 image/png.", ws.text("bad"));
            assertFalse(ws.closed().isDone(), "the socket stayed open");
        }
    }
}
