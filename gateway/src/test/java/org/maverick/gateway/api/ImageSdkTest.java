package org.maverick.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pictures sent with the official SDK over a real socket to the gateway, in front of the stand-in serving
 * the repository's model contract ({@code prompt_format: rendered}, an {@code image_url} input). The stand-in
 * checks what the repository's model.py checks (each picture a data: URI of an image, one {@code <|image|>}
 * per picture in the prompt) and, under the {@code [standin:images]} directive, answers with the number of
 * pictures it received and their sizes, so these tests see what reached the engine.
 * {@link ImageStockContractTest} covers the refusal when the model is TensorRT-LLM's stock one.
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

    static String png(int width, int height) throws Exception {
        return picture("png", width, height);
    }

    static String picture(String format, int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), format, out);
        return "data:image/" + format + ";base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static ChatCompletionContentPart image(String url) {
        return ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url)
                        .detail(ChatCompletionContentPartImage.ImageUrl.Detail.AUTO).build())
                .build());
    }

    private static ChatCompletionContentPart text(String text) {
        return ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text(text).build());
    }

    /** A user message: the text, then each picture. */
    static ChatCompletionCreateParams withPictures(String text, String... urls) {
        List<ChatCompletionContentPart> parts = new ArrayList<>();
        parts.add(text(text));
        for (String url : urls) {
            parts.add(image(url));
        }
        return ChatCompletionCreateParams.builder().model("llama-4-maverick").addUserMessageOfArrayOfContentParts(parts)
                .build();
    }

    @Test
    void aPictureAsADataUriReachesTheEngine() throws Exception {
        ChatCompletion answer = client.chat().completions()
                .create(withPictures("What is this? [standin:images]", png(64, 48)));
        assertEquals("1 image: 64x48 image/png.", answer.choices().get(0).message().content().orElseThrow());
        // 147 tokens for a one-tile picture, plus the text.
        assertTrue(answer.usage().orElseThrow().promptTokens() > 147, answer.usage().toString());
    }

    @Test
    void picturesArriveInPromptOrderWithASystemPromptAndEarlierTurns() throws Exception {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("llama-4-maverick")
                .addSystemMessage("You describe pictures.")
                .addUserMessage("Hello")
                .addAssistantMessage("Hi. Send pictures.")
                .addUserMessageOfArrayOfContentParts(List.of(image(picture("jpeg", 30, 20)),
                        text("Compare these [standin:images]"), image(png(800, 600))))
                .build();
        ChatCompletion answer = client.chat().completions().create(params);
        assertEquals("2 images: 30x20 image/jpeg, 800x600 image/png.",
                answer.choices().get(0).message().content().orElseThrow());
    }

    @Test
    void aStreamedAnswerAboutPictures() throws Exception {
        StringBuilder text = new StringBuilder();
        try (var stream = client.chat().completions().createStreaming(
                withPictures("Describe [standin:images]", picture("gif", 10, 12), png(336, 336)))) {
            stream.stream().forEach((ChatCompletionChunk c) -> c.choices().forEach(ch ->
                    ch.delta().content().ifPresent(text::append)));
        }
        assertEquals("2 images: 10x12 image/gif, 336x336 image/png.", text.toString());
    }

    @Test
    void aPictureThatIsNotOneIsRefusedBeforeTheEngine() {
        long before = StandInResource.standIn().counters().started();
        String notAPicture = "data:image/png;base64," + Base64.getEncoder().encodeToString("hello".getBytes());
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(withPictures("What is this?", notAPicture)));
        String body = e.body().toString();
        assertTrue(body.contains("messages[0].content[1].image_url"), body);
        assertTrue(body.contains("unsupported_image_format"), body);
        assertEquals(before, StandInResource.standIn().counters().started(), "nothing reached the engine");
    }

    @Test
    void aTextOnlyChatStillRuns() {
        var answer = client.chat().completions().create(ChatCompletionCreateParams.builder().model("llama-4-maverick")
                .addUserMessage("hello [standin:length=3]").build());
        assertTrue(answer.choices().get(0).message().content().isPresent());
    }
}
