package org.maverick.gateway.support;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Random;

/** Pictures made in the test (JDK ImageIO) and chat requests that carry them as {@code image_url} parts. */
public final class Pictures {

    private Pictures() {
    }

    /** A black PNG: a few hundred bytes whatever its size. */
    public static byte[] png(int width, int height) {
        return encode(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png");
    }

    /**
     * A PNG of random pixels, which does not compress: about {@code 3 * width * height} bytes, for requests
     * near the size limits. Seeded, so a test sends the same bytes every run.
     */
    public static byte[] noisyPng(int width, int height, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return encode(image, "png");
    }

    public static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /**
     * A chat request (JSON) with one user message: a text part, then one {@code image_url} part per URL.
     *
     * @param extraFields more top-level fields, without braces ({@code "\"stream\":true"}), or empty
     */
    public static String chat(String text, String extraFields, String... urls) {
        StringBuilder parts = new StringBuilder("[{\"type\":\"text\",\"text\":").append(quote(text)).append('}');
        for (String url : urls) {
            parts.append(",{\"type\":\"image_url\",\"image_url\":{\"url\":").append(quote(url)).append("}}");
        }
        return "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":" + parts + "]}]"
                + (extraFields.isEmpty() ? "" : "," + extraFields) + "}";
    }

    private static String quote(String s) {
        try {
            return Sse.JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
