package org.maverick.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.StandInResource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pictures sent with the official SDK over a real socket. The stand-in serves the repository's model
 * configuration, which (until the repository ships its own model.py) is TensorRT-LLM's stock llmapi
 * model without {@code prompt_format: rendered}: a picture must get a 400 that names the part and says
 * why, before anything reaches the engine.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ImageSdkTest {

    @TestHTTPResource("/v1")
    URL v1;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0).build();
    }

    private static String png() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), "png", out);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private ChatCompletionCreateParams withPicture(String url) {
        return ChatCompletionCreateParams.builder().model("llama-4-maverick")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url)
                                        .detail(ChatCompletionContentPartImage.ImageUrl.Detail.AUTO).build())
                                .build())))
                .build();
    }

    @Test
    void aModelWithoutARenderedPromptGetsNoPictures() throws Exception {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(withPicture(png())));
        assertEquals(400, e.statusCode());
        String body = e.body().toString();
        assertTrue(body.contains("messages[0].content[1].image_url"), body);
        assertTrue(body.contains("images_not_supported"), body);
        assertTrue(body.contains("prompt_format = rendered"), body);
    }

    @Test
    void aTextOnlyChatStillRuns() {
        var answer = client.chat().completions().create(ChatCompletionCreateParams.builder().model("llama-4-maverick")
                .addUserMessage("hello [standin:length=3]").build());
        assertTrue(answer.choices().get(0).message().content().isPresent());
    }
}
