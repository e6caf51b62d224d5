package org.maverick.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.PictureServer;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway as configured by default (nothing allow-listed) refuses the very URL that {@link ImageFetchTest}'s
 * gateway fetches: localhost resolves to a loopback address, which is refused before any connection is made.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ImageFetchRefusedTest {

    static PictureServer pictures;

    @TestHTTPResource("/v1")
    URL v1;

    @BeforeAll
    static void serve() throws Exception {
        pictures = new PictureServer();
    }

    @AfterAll
    static void stop() {
        pictures.close();
    }

    @Test
    void aLoopbackUrlIsRefusedWhenNotAllowListed() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0)
                .build();
        long before = StandInResource.standIn().counters().started();
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(ImageSdkTest.withPictures("What is this? [standin:images]", pictures.url("/pic.png"))));
        String body = e.body().toString();
        assertEquals("messages[0].content[1].image_url", e.param().orElse(""), body);
        assertEquals("image_url_forbidden", e.code().orElse(""), body);
        assertTrue(body.contains("is loopback (not allowed unless gateway.images.fetch.allow names it)"), body);
        assertEquals(0, pictures.totalHits(), "no connection was made");
        assertEquals(before, StandInResource.standIn().counters().started());
    }
}
