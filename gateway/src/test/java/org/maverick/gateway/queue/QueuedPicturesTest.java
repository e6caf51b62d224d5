package org.maverick.gateway.queue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Pictures;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queued mode with the largest request the edge accepts: a body just under gateway.limits.max-body-bytes
 * (4 MiB) carrying gateway.images.max-per-request (8) pictures that do not compress. Its queued form (the
 * rendered prompt plus the pictures re-encoded) is over Kafka's default 1 MiB; the producers'
 * max.request.size and the requests topic's max.message.bytes follow from the limits (QueuedSizes), so it
 * goes through the real broker and a worker runs it.
 */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class QueuedPicturesTest {

    private static final int MAX_BODY = 4 * 1024 * 1024;

    @TestHTTPResource
    URL base;

    @BeforeEach
    void ready() {
        await().atMost(Duration.ofSeconds(20)).until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url() + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    @Test
    void theLargestAllowedRequestWithEightPicturesCompletesThroughKafka() throws Exception {
        List<String> uris = new ArrayList<>();
        StringBuilder expected = new StringBuilder("8 images: ");
        for (int i = 0; i < 8; i++) {
            int width = 366 - i; // different sizes, so the answer shows the order they arrived in
            uris.add(Pictures.dataUri(Pictures.noisyPng(width, 350, i)));
            expected.append(i == 0 ? "" : ", ").append(width).append("x350 image/png");
        }
        expected.append('.');
        String prompt = "Compare these [standin:images] ";
        String body = Pictures.chat(prompt, "\"stream\":true", uris.toArray(String[]::new));
        // Fill the text up to just under the body limit.
        int room = MAX_BODY - body.getBytes(StandardCharsets.UTF_8).length - 16;
        assertTrue(room > 0, "the pictures alone are " + body.length() + " bytes, over the body limit");
        body = Pictures.chat(prompt + "river ".repeat(room / 6), "\"stream\":true", uris.toArray(String[]::new));
        int size = body.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(size > MAX_BODY - 64 && size <= MAX_BODY, "body of " + size + " bytes");

        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions", body);
        assertEquals(200, s.status(), s.events().toString());
        assertEquals(expected.toString(), s.content(), "the worker ran it with all eight pictures, in order");
    }
}
