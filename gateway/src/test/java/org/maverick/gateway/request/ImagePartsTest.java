package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.backend.triton.ModelContract;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.Llama4ChatTemplate;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Image parts through the validator: placeholders in order, tokens counted, refusals naming the part. */
class ImagePartsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> INPUTS = Map.of("text_input", "BYTES", "image_url", "BYTES",
            "sampling_param_max_tokens", "INT32");
    private ImageIntake intake;

    private RequestValidator validator(Map<String, String> settings, String promptFormat) {
        Map<String, String> values = new HashMap<>(settings);
        values.put("gateway.triton.endpoint", "triton:8001");
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build().getConfigMapping(GatewayConfig.class);
        ModelContract contract = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm", INPUTS, Map.of(), false,
                true, promptFormat);
        intake = new ImageIntake(config.images(), () -> Optional.of(contract));
        return new RequestValidator(config, new Llama4ChatTemplate(false), new EstimatingCounter(), intake);
    }

    @AfterEach
    void close() throws Exception {
        var m = ImageIntake.class.getDeclaredMethod("close");
        m.setAccessible(true);
        m.invoke(intake);
    }

    private static String png(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static String body(String content) {
        return "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                + "{\"role\":\"user\",\"content\":" + content + "}]}";
    }

    private static String image(String url) {
        return "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\",\"detail\":\"high\"}}";
    }

    private static String text(String t) {
        return "{\"type\":\"text\",\"text\":\"" + t + "\"}";
    }

    private Generation run(RequestValidator v, String body) {
        return v.chatDraft(JSON, body.getBytes(StandardCharsets.UTF_8), "id", 0)
                .resolve(intake).await().atMost(Duration.ofSeconds(30));
    }

    @Test
    void onePlaceholderPerPictureInTheOrderOfTheParts() throws Exception {
        RequestValidator v = validator(Map.of(), ModelContract.RENDERED);
        String a = png(640, 480);
        String b = png(10, 10);
        Generation g = run(v, body("[" + text("look: ") + "," + image(a) + "," + text(" and ") + "," + image(b) + "]"));
        assertTrue(g.prompt().contains("user<|header_end|>\n\nlook: <|image|> and <|image|><|eot|>"), g.prompt());
        assertEquals(List.of(a, b), g.images());
        // Each picture costs its tiles (640x480: 2x2 tiles, 727; 10x10: one, 147) and nothing else.
        Generation pictures = run(v, body("[" + text("look") + "," + image(a) + "," + image(b) + "]"));
        Generation textOnly = run(v, body("[" + text("look") + "]"));
        assertEquals(textOnly.promptTokens() + 727 + 147, pictures.promptTokens());
    }

    @Test
    void pictureTokensCountAgainstTheContext() throws Exception {
        RequestValidator v = validator(Map.of("gateway.model.context-length", "1000"), ModelContract.RENDERED);
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> run(v, body("[" + image(png(1024, 1024)) + "]")));
        assertEquals("context_length_exceeded", e.code());
    }

    @Test
    void refusesPicturesTheServedModelWouldMishandle() throws Exception {
        RequestValidator v = validator(Map.of(), "");
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> run(v, body("[" + image(png(10, 10)) + "]")));
        assertEquals("messages[1].content[0].image_url", e.param().orElseThrow());
        assertEquals("images_not_supported", e.code());
    }

    @Test
    void refusesTooManyPicturesNamingTheFirstOneOver() throws Exception {
        RequestValidator v = validator(Map.of("gateway.images.max-per-request", "2"), ModelContract.RENDERED);
        String p = image(png(10, 10));
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> run(v, body("[" + p + "," + p + "," + p + "]")));
        assertEquals("messages[1].content[2].image_url", e.param().orElseThrow());
        assertEquals("too_many_images", e.code());
        assertTrue(e.getMessage().contains("gateway.images.max-per-request"), e.getMessage());
    }

    @Test
    void onlyUsersSendPictures() throws Exception {
        RequestValidator v = validator(Map.of(), ModelContract.RENDERED);
        String body = "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"assistant\",\"content\":["
                + image(png(10, 10)) + "]},{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertEquals("messages[0].content[0].image_url", assertThrows(InvalidRequest.class, () -> run(v, body))
                .param().orElseThrow());
    }

    @Test
    void theSynchronousPathRefusesPicturesNamingThePart() throws Exception {
        RequestValidator v = validator(Map.of(), ModelContract.RENDERED);
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> v.chat(JSON,
                JSON.readTree(body("[" + image(png(10, 10)) + "]")), "id", 0));
        assertEquals("messages[1].content[0].image_url", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("chatDraft"), e.getMessage());
    }

    @Test
    void aParsedTreeTakesPicturesThroughTheDraft() throws Exception {
        RequestValidator v = validator(Map.of(), ModelContract.RENDERED);
        ChatDraft draft = v.chatDraft(JSON, JSON.readTree(body("[" + image(png(10, 10)) + "]")), "id", 0);
        assertEquals(1, draft.images().size());
        assertEquals("messages[1].content[0].image_url", draft.images().get(0).param());
    }
}
