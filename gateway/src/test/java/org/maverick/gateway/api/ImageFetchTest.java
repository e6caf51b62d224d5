package org.maverick.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.PictureServer;
import org.maverick.gateway.support.PictureServerResource;
import org.maverick.gateway.support.StandInResource;
import org.maverick.gateway.telemetry.Telemetry;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway fetches image URLs itself: an HTTPS server on loopback ({@link PictureServer}, allow-listed
 * and trusted by this profile only) serves pictures, redirects and bad answers; the official SDK sends the
 * chat requests; the stand-in (the repository's model contract) says what pictures reached the engine.
 * {@link ImageFetchRefusedTest} runs the same URL against a gateway that does not allow loopback.
 */
@QuarkusTest
@TestProfile(ImageFetchTest.Fetching.class)
class ImageFetchTest {

    /** The stand-in and the picture server, and nothing global. */
    public static class Fetching implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StandInResource.class), new TestResourceEntry(PictureServerResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @TestHTTPResource("/v1")
    URL v1;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Inject
    InMemorySpanExporter spans;

    OpenAIClient client;
    PictureServer pictures;

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0).build();
        pictures = PictureServerResource.server();
    }

    private ChatCompletion ask(String url) {
        return client.chat().completions().create(ImageSdkTest.withPictures("What is this? [standin:images]", url));
    }

    /** The refusal's JSON body, after checking it names the picture's part and the reason. */
    private String refused(String url, String code) {
        long before = StandInResource.standIn().counters().started();
        BadRequestException e = assertThrows(BadRequestException.class, () -> ask(url), url);
        String body = e.body().toString();
        assertEquals(400, e.statusCode());
        assertEquals("messages[0].content[1].image_url", e.param().orElse(""), body);
        assertEquals(code, e.code().orElse(""), body);
        assertEquals(before, StandInResource.standIn().counters().started(), "nothing reached the engine: " + body);
        return body;
    }

    @Test
    void anHttpsPictureIsFetchedCheckedAndReachesTheEngineAsData() {
        int before = pictures.hits("/pic.png");
        ChatCompletion answer = ask(pictures.url("/pic.png"));
        assertEquals("1 image: 64x48 image/png.", answer.choices().get(0).message().content().orElseThrow());
        assertTrue(answer.usage().orElseThrow().promptTokens() > 147, answer.usage().toString());
        assertEquals(before + 1, pictures.hits("/pic.png"));
        // The connection went to 127.0.0.1, the checked address; Host (and the certificate's name) is the URL's.
        assertEquals("localhost:" + pictures.port(), pictures.lastHost);

        // The fetch span is in the request's trace, a sibling of the generation under the HTTP server span.
        SpanData generation = awaitSpan(s -> s.getName().equals("chat llama-4-maverick")
                && answer.id().equals(s.getAttributes().get(Telemetry.REQUEST_ID)));
        SpanData fetch = awaitSpan(s -> s.getName().equals("image fetch")
                && s.getTraceId().equals(generation.getTraceId()));
        assertEquals(generation.getParentSpanId(), fetch.getParentSpanId());
        assertEquals("localhost", fetch.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("server.address")));
    }

    @Test
    void theResponsesApiTakesAnInputImageUrlTheSameWay() {
        com.openai.models.responses.Response r = client.responses().create(
                com.openai.models.responses.ResponseCreateParams.builder().model("llama-4-maverick")
                        .putAdditionalBodyProperty("input", com.openai.core.JsonValue.from(List.of(java.util.Map.of(
                                "role", "user", "content", List.of(
                                        java.util.Map.of("type", "input_text", "text", "What is this? [standin:images]"),
                                        java.util.Map.of("type", "input_image", "image_url", pictures.url("/pic.png"))))))
                        ).build());
        assertEquals("1 image: 64x48 image/png.", ResponsesApiTest.text(r));
    }

    @Test
    void aRedirectIsFollowedAndChecked() {
        int before = pictures.hits("/pic.png");
        assertEquals("1 image: 64x48 image/png.", ask(pictures.url("/redirect")).choices().get(0).message()
                .content().orElseThrow());
        assertEquals(before + 1, pictures.hits("/pic.png"));
    }

    @Test
    void aRedirectToAnInternalAddressIsRefused() {
        String body = refused(pictures.url("/to-metadata"), "image_url_forbidden");
        assertTrue(body.contains("169.254.169.254 is the cloud metadata address"), body);
        body = refused(pictures.url("/to-private"), "image_url_forbidden");
        assertTrue(body.contains("10.0.0.1 is private"), body);
    }

    @Test
    void redirectsAreBounded() {
        int before = pictures.hits("/loop");
        String body = refused(pictures.url("/loop"), "image_fetch_failed");
        assertTrue(body.contains("redirected more than 3 times"), body);
        assertEquals(before + 4, pictures.hits("/loop"), "the first answer and three redirects followed");
    }

    @Test
    void anOversizedDownloadIsStopped() {
        pictures.bigWritten.set(-1);
        String body = refused(pictures.url("/big"), "image_too_large");
        assertTrue(body.contains("more than the 1048576 allowed (gateway.images.max-bytes)"), body);
        // The server's writes fail once the gateway has reset the connection: it got nowhere near the end.
        await().atMost(Duration.ofSeconds(20)).until(() -> pictures.bigWritten.get() >= 0);
        assertTrue(pictures.bigWritten.get() < PictureServer.BIG / 4, "written: " + pictures.bigWritten.get());

        body = refused(pictures.url("/big-declared"), "image_too_large");
        assertTrue(body.contains("declares 2097152 bytes"), body);
    }

    @Test
    void textServedAsAPictureIsRefusedByItsBytes() {
        String body = refused(pictures.url("/text.png"), "unsupported_image_format");
        assertTrue(body.contains("judged by its first bytes"), body);
    }

    @Test
    void errorStatusesAndStalledServersEndTheFetch() {
        assertTrue(refused(pictures.url("/missing.png"), "image_fetch_failed").contains("answered HTTP 404"));
        long start = System.nanoTime();
        String body = refused(pictures.url("/stall"), "image_fetch_failed");
        assertTrue(body.contains("took longer than 2000 ms"), body);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 10_000);
    }

    @Test
    void plainHttpIsRefusedByDefault() {
        int before = pictures.totalHits();
        String body = refused("http://localhost:" + pictures.port() + "/pic.png", "invalid_image_url");
        assertTrue(body.contains("not http:"), body);
        assertEquals(before, pictures.totalHits(), "nothing was fetched");
    }

    @Test
    void fetchesAreCounted() throws Exception {
        ask(pictures.url("/pic.png"));
        refused(pictures.url("/to-metadata"), "image_url_forbidden");
        String all = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics.toURI()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String text = all.lines().filter(l -> l.startsWith("maverick_gateway_images"))
                .collect(java.util.stream.Collectors.joining("\n"));
        assertTrue(value(text, "maverick_gateway_images_fetch_size_bytes_sum", "maverick_outcome=\"ok\"")
                .orElse(0.0) >= 60, "bytes fetched (the PNG is 88 bytes)" + "\n" + text);
        assertTrue(value(text, "maverick_gateway_images_fetch_duration_seconds_count", "maverick_outcome=\"ok\"")
                .orElse(0.0) >= 1, "fetch time" + "\n" + text);
        assertTrue(value(text, "maverick_gateway_images_refused_total", "reason=\"image_url_forbidden\"")
                .orElse(0.0) >= 1, "refusals by reason" + "\n" + text);
        assertTrue(value(text, "maverick_gateway_images_per_request_count", "").orElse(0.0) >= 2, "images per request" + "\n" + text);
    }

    private static Optional<Double> value(String prometheus, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{([^}]*)\\})? (\\S+)").matcher(prometheus);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1) == null ? label.isEmpty() : m.group(1).contains(label)) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        return found ? Optional.of(sum) : Optional.empty();
    }

    private SpanData awaitSpan(java.util.function.Predicate<SpanData> which) {
        return await().atMost(Duration.ofSeconds(10)).until(
                () -> spans.getFinishedSpanItems().stream().filter(which).findFirst(), Optional::isPresent).orElseThrow();
    }
}
