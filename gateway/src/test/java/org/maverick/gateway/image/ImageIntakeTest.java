package org.maverick.gateway.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.backend.triton.ModelContract;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One image's way through the intake: shape, base64, magic numbers, header, limits, one full decode. */
class ImageIntakeTest {

    /** Modernizr's 1x1 lossless and lossy WebP probes: real WebP files (no WebP writer is at hand). */
    static final String WEBP_LOSSLESS = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==";
    static final String WEBP_LOSSY = "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA";

    private static final ObjectMapper JSON = new ObjectMapper();
    private ImageIntake intake;

    static GatewayConfig.Images limits(Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(settings);
        values.put("gateway.triton.endpoint", "triton:8001");
        return new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build().getConfigMapping(GatewayConfig.class).images();
    }

    private ImageIntake intake(Map<String, String> settings) {
        intake = new ImageIntake(limits(settings), Optional::empty);
        return intake;
    }

    @AfterEach
    void close() {
        if (intake != null) {
            intake.close();
        }
    }

    static byte[] picture(String format, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 7 + y * 13) & 0xFFFFFF);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    static String dataUri(String type, byte[] bytes) {
        return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    private static ObjectNode part(String url) {
        ObjectNode n = JSON.createObjectNode();
        n.put("url", url);
        return n;
    }

    @Test
    void readsEveryFormatsSizeAndCost() throws IOException {
        ImageIntake in = intake(Map.of());
        CheckedImage png = in.inspect(picture("png", 640, 480));
        assertEquals(List.of(ImageFormat.PNG, 640, 480, 727), List.of(png.format(), png.width(), png.height(), png.tokens()));
        CheckedImage jpeg = in.inspect(picture("jpeg", 800, 600));
        assertEquals(List.of(ImageFormat.JPEG, 800, 600, 1017),
                List.of(jpeg.format(), jpeg.width(), jpeg.height(), jpeg.tokens()));
        CheckedImage gif = in.inspect(picture("gif", 300, 200));
        assertEquals(List.of(ImageFormat.GIF, 300, 200, 147), List.of(gif.format(), gif.width(), gif.height(), gif.tokens()));
        for (String webp : List.of(WEBP_LOSSLESS, WEBP_LOSSY)) {
            CheckedImage w = in.inspect(Base64.getDecoder().decode(webp));
            assertEquals(List.of(ImageFormat.WEBP, 1, 1, 147), List.of(w.format(), w.width(), w.height(), w.tokens()));
        }
        assertTrue(png.dataUri().startsWith("data:image/png;base64,iVBOR"), png.dataUri().substring(0, 30));
    }

    @Test
    void theBytesDecideTheTypeNotTheLabel() throws IOException {
        ImageIntake in = intake(Map.of());
        byte[] jpeg = picture("jpeg", 20, 20);
        ImageSource s = in.source(part(dataUri("image/png", jpeg)), "p");
        CheckedImage checked = in.inspect(s.inline().orElseThrow());
        assertEquals(ImageFormat.JPEG, checked.format());
        assertTrue(checked.dataUri().startsWith("data:image/jpeg;base64,"));
    }

    @Test
    void refusesBadBase64NamingThePart() {
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> intake(Map.of())
                .source(part("data:image/png;base64,iVBOR%%%"), "messages[0].content[1].image_url"));
        assertEquals("messages[0].content[1].image_url", e.param().orElseThrow());
        assertEquals("invalid_base64", e.code());
        assertTrue(e.getMessage().contains("not valid base64"), e.getMessage());
    }

    @Test
    void refusesDataUrisThatAreNotBase64OrNotImages() {
        ImageIntake in = intake(Map.of());
        assertEquals("invalid_image_url", assertThrows(InvalidRequest.class,
                () -> in.source(part("data:image/png,rawbytes"), "p")).code());
        assertEquals("invalid_image_url", assertThrows(InvalidRequest.class,
                () -> in.source(part("data:image/png;base64"), "p")).code());
        assertEquals("unsupported_image_format", assertThrows(InvalidRequest.class,
                () -> in.source(part("data:text/plain;base64,aGk="), "p")).code());
    }

    @Test
    void refusesATextFileLabelledAsAnImage() {
        ImageIntake in = intake(Map.of());
        byte[] text = "just some text, not a picture".getBytes(StandardCharsets.UTF_8);
        ImageSource s = in.source(part(dataUri("image/png", text)), "p");
        ImageRefusal r = assertThrows(ImageRefusal.class, () -> in.inspect(s.inline().orElseThrow()));
        assertEquals(ImageRefusal.Reason.UNSUPPORTED_FORMAT, r.reason());
    }

    @Test
    void refusesTruncatedImagesOfEveryDecodedFormat() throws IOException {
        ImageIntake in = intake(Map.of());
        for (String format : List.of("png", "jpeg", "gif")) {
            byte[] whole = picture(format, 200, 150);
            byte[] cut = Arrays.copyOf(whole, whole.length / 2);
            ImageRefusal r = assertThrows(ImageRefusal.class, () -> in.inspect(cut), format);
            assertEquals(ImageRefusal.Reason.MALFORMED, r.reason(), format + ": " + r.getMessage());
        }
        byte[] headerOnly = Arrays.copyOf(picture("png", 10, 10), 20);
        assertEquals(ImageRefusal.Reason.MALFORMED, assertThrows(ImageRefusal.class, () -> in.inspect(headerOnly)).reason());
    }

    @Test
    void refusesTooManyPixelsFromTheHeaderAlone() throws IOException {
        ImageIntake in = intake(Map.of("gateway.images.max-side", "1000", "gateway.images.max-pixels", "250000"));
        ImageRefusal side = assertThrows(ImageRefusal.class, () -> in.inspect(picture("png", 1001, 10)));
        assertEquals(ImageRefusal.Reason.TOO_MANY_PIXELS, side.reason());
        assertTrue(side.getMessage().contains("gateway.images.max-side"), side.getMessage());
        ImageRefusal pixels = assertThrows(ImageRefusal.class, () -> in.inspect(picture("png", 600, 600)));
        assertTrue(pixels.getMessage().contains("gateway.images.max-pixels"), pixels.getMessage());
        // A PNG whose header claims 60000x60000: refused before any pixel is decoded.
        byte[] liar = picture("png", 10, 10);
        liar[16] = 0; liar[17] = 0; liar[18] = (byte) 0xEA; liar[19] = 0x60;
        liar[20] = 0; liar[21] = 0; liar[22] = (byte) 0xEA; liar[23] = 0x60;
        assertEquals(ImageRefusal.Reason.TOO_MANY_PIXELS, assertThrows(ImageRefusal.class, () -> in.inspect(liar)).reason());
    }

    @Test
    void refusesTooManyBytesBeforeDecodingBase64() throws IOException {
        ImageIntake in = intake(Map.of("gateway.images.max-bytes", "1000"));
        byte[] big = picture("png", 200, 200);
        assertTrue(big.length > 1000);
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> in.source(part(dataUri("image/png", big)), "p"));
        assertEquals("image_too_large", e.code());
        assertTrue(e.getMessage().contains("gateway.images.max-bytes"), e.getMessage());
    }

    @Test
    void refusesTooManyBytesTogether() throws Exception {
        ImageIntake in = intake(Map.of("gateway.images.max-total-bytes", "2000"));
        byte[] one = picture("png", 30, 30);
        int n = 2000 / one.length + 1;
        List<ImageSource> sources = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            sources.add(in.source(part(dataUri("image/png", one)), "messages[0].content[" + i + "].image_url"));
        }
        Throwable t = assertThrows(Throwable.class, () -> in.resolve(sources).await().atMost(Duration.ofSeconds(30)));
        assertTrue(t instanceof InvalidRequest && t.getMessage().contains("gateway.images.max-total-bytes"), t.toString());
    }

    @Test
    void checksOnTheDecodingPoolInOrder() throws Exception {
        ImageIntake in = intake(Map.of());
        List<ImageSource> sources = List.of(
                in.source(part(dataUri("image/png", picture("png", 640, 480))), "a"),
                in.source(part(dataUri("image/gif", picture("gif", 10, 10))), "b"));
        List<CheckedImage> checked = in.resolve(sources).await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of(727, 147), checked.stream().map(CheckedImage::tokens).toList());
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> in.resolve(List.of(sources.get(0),
                in.source(part(dataUri("image/png", "nope".getBytes(StandardCharsets.UTF_8))), "messages[2].content[0].image_url")))
                .await().atMost(Duration.ofSeconds(30)));
        assertEquals("messages[2].content[0].image_url", e.param().orElseThrow());
    }

    @Test
    void checksTheShapeOfThePart() {
        ImageIntake in = intake(Map.of());
        assertEquals("p.url", assertThrows(InvalidRequest.class, () -> in.source(JSON.createObjectNode(), "p"))
                .param().orElseThrow());
        ObjectNode badDetail = part("data:image/png;base64,AAAA");
        badDetail.put("detail", "ultra");
        assertEquals("p.detail", assertThrows(InvalidRequest.class, () -> in.source(badDetail, "p")).param().orElseThrow());
        ObjectNode okDetail = part("https://example.org/a.png");
        okDetail.put("detail", "low");
        assertTrue(in.source(okDetail, "p").remote().isPresent());
        assertTrue(assertThrows(InvalidRequest.class, () -> in.source(part("file:///etc/passwd"), "p")).getMessage()
                .contains("data: URI or an https URL"));
        assertTrue(assertThrows(InvalidRequest.class, () -> in.source(part("http://example.org/a.png"), "p")).getMessage()
                .contains("not http:"));
    }

    @Test
    void refusesPicturesForAModelWithoutARenderedPrompt() {
        Map<String, String> in = Map.of("text_input", "BYTES", "image_url", "BYTES", "sampling_param_max_tokens", "INT32");
        ModelContract stock = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm", in, Map.of(), false, true);
        intake = new ImageIntake(limits(Map.of()), () -> Optional.of(stock));
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> intake.requireImageModel("messages[0].content[0].image_url"));
        assertEquals("images_not_supported", e.code());
        assertTrue(e.getMessage().contains("drop the rest of the conversation"), e.getMessage());
        ModelContract ours = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm", in, Map.of(), false, true,
                ModelContract.RENDERED);
        intake.close();
        intake = new ImageIntake(limits(Map.of()), () -> Optional.of(ours));
        intake.requireImageModel("p");
    }
}
