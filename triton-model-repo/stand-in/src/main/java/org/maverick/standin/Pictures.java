package org.maverick.standin;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The pictures of an llmapi request ({@code image_url}), checked as the repository's own model.py
 * checks them: each element a {@code data:<image type>;base64,...} URI (no other scheme: that model
 * never fetches), whose bytes are a PNG, JPEG, GIF or WebP picture; and the rendered prompt holds
 * exactly one {@code <|image|>} per picture (Llama 4's processor replaces each with the picture's tiles).
 */
final class Pictures {

    static final String IMAGE_TOKEN = "<|image|>";

    /** One checked picture: the type its bytes show, and its size from the header. */
    record Picture(String type, int width, int height, int bytes) {
    }

    private Pictures() {
    }

    static List<Picture> check(List<String> urls, String prompt, boolean rendered) throws RequestError {
        if (urls.isEmpty()) {
            return List.of();
        }
        if (!rendered) {
            throw new RequestError("image_url: this stand-in serves the stock llmapi contract (no prompt_format = "
                    + "rendered), whose model.py would wrap text_input as one user turn; it takes no pictures");
        }
        int tokens = count(prompt);
        if (tokens != urls.size()) {
            throw new RequestError("text_input: holds " + tokens + " " + IMAGE_TOKEN + " but image_url has "
                    + urls.size() + " pictures; the rendered prompt needs exactly one " + IMAGE_TOKEN + " per picture");
        }
        List<Picture> pictures = new ArrayList<>(urls.size());
        for (int i = 0; i < urls.size(); i++) {
            pictures.add(parse(urls.get(i), "image_url[" + i + "]"));
        }
        return pictures;
    }

    /** The answer of the {@code images} directive: how many pictures and each one's size and type. */
    static List<String> describe(List<Picture> pictures) {
        List<String> tokens = new ArrayList<>();
        tokens.add(pictures.size() + (pictures.size() == 1 ? " image" : " images"));
        for (int i = 0; i < pictures.size(); i++) {
            Picture p = pictures.get(i);
            tokens.add((i == 0 ? ": " : ", ") + p.width() + "x" + p.height() + " " + p.type());
        }
        tokens.add(".");
        return tokens;
    }

    private static int count(String prompt) {
        int n = 0;
        for (int at = prompt.indexOf(IMAGE_TOKEN); at >= 0; at = prompt.indexOf(IMAGE_TOKEN, at + IMAGE_TOKEN.length())) {
            n++;
        }
        return n;
    }

    static Picture parse(String url, String field) throws RequestError {
        int colon = url.indexOf(':');
        String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("data")) {
            throw new RequestError(field + ": scheme " + (scheme.isEmpty() ? "none (not a URI)" : scheme)
                    + " refused; this model takes only data: URIs and never fetches a URL");
        }
        int comma = url.indexOf(',');
        String[] meta = url.substring(5, comma < 0 ? url.length() : comma).split(";");
        boolean base64 = false;
        for (int i = 1; i < meta.length; i++) {
            base64 |= meta[i].trim().equalsIgnoreCase("base64");
        }
        if (comma < 0 || !base64) {
            throw new RequestError(field + ": not a base64 data: URI (data:<image type>;base64,<data>)");
        }
        String label = meta[0].trim().toLowerCase(Locale.ROOT);
        if (!List.of("image/png", "image/jpeg", "image/gif", "image/webp").contains(label)) {
            throw new RequestError(field + ": type '" + label + "' is not one of image/png, image/jpeg, image/gif, image/webp");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw new RequestError(field + ": invalid base64 (" + e.getMessage() + ")");
        }
        String type = typeOf(bytes);
        if (type == null) {
            throw new RequestError(field + ": the bytes are not a PNG, JPEG, GIF or WebP picture");
        }
        int[] size = type.equals("image/webp") ? webpSize(bytes) : headerSize(bytes);
        if (size == null || size[0] <= 0 || size[1] <= 0) {
            throw new RequestError(field + ": not a decodable image (no readable size in its header)");
        }
        return new Picture(type, size[0], size[1], bytes.length);
    }

    private static String typeOf(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "image/png";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return "image/gif";
        }
        if (b.length >= 16 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return "image/webp";
        }
        return null;
    }

    /** PNG, JPEG, GIF: the JDK's reader gives the size from the header without decoding pixels. */
    private static int[] headerSize(byte[] bytes) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[]{reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** WebP (no JDK reader): the size from the VP8X, VP8L or VP8 chunk header. */
    private static int[] webpSize(byte[] b) {
        if (b.length < 30) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        switch (chunk) {
            case "VP8X" -> {
                int w = 1 + ((b[24] & 0xff) | (b[25] & 0xff) << 8 | (b[26] & 0xff) << 16);
                int h = 1 + ((b[27] & 0xff) | (b[28] & 0xff) << 8 | (b[29] & 0xff) << 16);
                return new int[]{w, h};
            }
            case "VP8L" -> {
                int bits = buf.getInt(21);
                return new int[]{1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff)};
            }
            case "VP8 " -> {
                return new int[]{buf.getShort(26) & 0x3fff, buf.getShort(28) & 0x3fff};
            }
            default -> {
                return null;
            }
        }
    }
}
