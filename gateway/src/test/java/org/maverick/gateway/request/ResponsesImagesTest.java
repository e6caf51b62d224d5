package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code input_image} parts of the Responses API on the chat completions' image path: the same prompt, pictures
 * and token count as the chat body with {@code image_url} parts, and refusals naming the Responses fields.
 */
class ResponsesImagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> INPUTS = Map.of("text_input", "BYTES", "image_url", "BYTES",
            "sampling_param_max_tokens", "INT32");
    private ImageIntake intake;

    private RequestValidator validator() {
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(Map.of("gateway.triton.endpoint", "triton:8001")).build()
                .getConfigMapping(GatewayConfig.class);
        ModelContract contract = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm", INPUTS, Map.of(), false,
                true, ModelContract.RENDERED);
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

    private ResponsesRequestParser.Parsed responses(RequestValidator v, String input) {
        String body = "{\"model\":\"llama-4-maverick\",\"instructions\":\"S\",\"input\":" + input + "}";
        return new ResponsesRequestParser(v).draft(JSON, body.getBytes(StandardCharsets.UTF_8), "resp_1", 0)
                .resolve(intake).await().atMost(Duration.ofSeconds(30));
    }

    @Test
    void picturesTakeTheChatPathInTheOrderOfTheParts() throws Exception {
        RequestValidator v = validator();
        String a = png(640, 480);
        String b = png(10, 10);
        Generation r = responses(v, "[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"look: \"},"
                + "{\"type\":\"input_image\",\"image_url\":\"" + a + "\",\"detail\":\"auto\"},"
                + "{\"type\":\"input_text\",\"text\":\" and \"},"
                + "{\"type\":\"input_image\",\"image_url\":{\"url\":\"" + b + "\"}}]}]").generation();
        String chatBody = "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look: \"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + a + "\"}},"
                + "{\"type\":\"text\",\"text\":\" and \"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + b
                + "\"}}]}]}";
        Generation c = v.chatDraft(JSON, chatBody.getBytes(StandardCharsets.UTF_8), "id", 0).resolve(intake)
                .await().atMost(Duration.ofSeconds(30));
        assertEquals(c.prompt(), r.prompt());
        assertEquals(List.of(a, b), r.images());
        assertEquals(c.promptTokens(), r.promptTokens());
        assertEquals(c.sampling().maxTokens(), r.sampling().maxTokens());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            input[0].content[0].image_url | [{"role":"assistant","content":[{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}]
            input[0].content[0].image_url | [{"role":"user","content":[{"type":"input_image","image_url":5}]}]
            input[0].content[0].image_url | [{"role":"user","content":[{"type":"input_image"}]}]
            input[0].content[0].image_url | [{"role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,!!"}]}]
            input[0].content[0].file_id   | [{"role":"user","content":[{"type":"input_image","file_id":"file_1"}]}]
            input[0].content[0].detail    | [{"role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"max"}]}]
            """)
    void refusalsNameTheResponsesField(String param, String input) {
        RequestValidator v = validator();
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> responses(v, input));
        assertEquals(param, e.param().orElse(null), e.getMessage());
    }
}
