package org.maverick.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.StandInResource;
import org.maverick.gateway.support.StockContractProfile;

import java.net.URL;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Triton model served as TensorRT-LLM's stock model.py declares it (no {@code prompt_format: rendered}):
 * that model would wrap the rendered prompt as a single user turn, so a picture gets a 400 that names the
 * part and says why, before anything reaches the engine.
 */
@QuarkusTest
@TestProfile(StockContractProfile.class)
class ImageStockContractTest {

    @TestHTTPResource("/v1")
    URL v1;

    @Test
    void aModelWithoutARenderedPromptGetsNoPictures() throws Exception {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed")
                .maxRetries(0).build();
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(ImageSdkTest.withPictures("What is this?", ImageSdkTest.png(64, 48))));
        assertEquals(400, e.statusCode());
        String body = e.body().toString();
        assertTrue(body.contains("messages[0].content[1].image_url"), body);
        assertTrue(body.contains("images_not_supported"), body);
        assertTrue(body.contains("prompt_format = rendered"), body);
        assertEquals(0, StandInResource.standIn().counters().started(), "nothing reached the engine");
    }
}
