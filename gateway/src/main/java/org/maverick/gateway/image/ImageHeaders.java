package org.maverick.gateway.image;

/**
 * Pixel dimensions read from an image's header alone, so that an oversized picture is refused
 * before anything decodes its pixels (a 30000x30000 PNG is a few kilobytes of zeros but gigabytes
 * once decoded). Pure and bounded: it reads fixed offsets, or walks JPEG segments by their lengths
 * and never past the array. Throws {@link ImageRefusal} when the header is missing or truncated.
 */
public final class ImageHeaders {

    private ImageHeaders() {
    }

    /** Width and height in pixels. */
    public record Size(int width, int height) {
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    public static Size read(ImageFormat format, byte[] b) {
        Size size = switch (format) {
            case PNG -> png(b);
            case GIF -> gif(b);
            case JPEG -> jpeg(b);
            case WEBP -> webp(b);
        };
        if (size.width() < 1 || size.height() < 1) {
            throw truncated(format, "its header says " + size + " pixels");
        }
        return size;
    }

    // The first chunk must be IHDR: width and height are big-endian at offsets 16 and 20.
    private static Size png(byte[] b) {
        if (b.length < 24 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            throw truncated(ImageFormat.PNG, "it has no IHDR header");
        }
        long w = u32be(b, 16);
        long h = u32be(b, 20);
        if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw truncated(ImageFormat.PNG, "its header names impossible dimensions");
        }
        return new Size((int) w, (int) h);
    }

    // The logical screen: little-endian width and height after the 6-byte signature.
    private static Size gif(byte[] b) {
        if (b.length < 10) {
            throw truncated(ImageFormat.GIF, "it ends inside its header");
        }
        return new Size(u16le(b, 6), u16le(b, 8));
    }

    // Walk marker segments to the first start-of-frame (SOF0..SOF15 but DHT C4, JPG C8, DAC CC).
    private static Size jpeg(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                throw truncated(ImageFormat.JPEG, "a marker is missing at byte " + i);
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2; // markers without a length
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                throw truncated(ImageFormat.JPEG, "it has no frame header before its image data");
            }
            int length = u16be(b, i + 2);
            if (length < 2) {
                throw truncated(ImageFormat.JPEG, "a segment has an impossible length");
            }
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (i + 9 > b.length) {
                    break;
                }
                return new Size(u16be(b, i + 7), u16be(b, i + 5));
            }
            i += 2 + length;
        }
        throw truncated(ImageFormat.JPEG, "it ends before its frame header");
    }

    // RIFF container; the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended).
    private static Size webp(byte[] b) {
        if (b.length < 30) {
            throw truncated(ImageFormat.WEBP, "it ends inside its header");
        }
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        switch (chunk) {
            case "VP8 ":
                // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
                if ((b[23] & 0xFF) != 0x9D || (b[24] & 0xFF) != 0x01 || (b[25] & 0xFF) != 0x2A) {
                    throw truncated(ImageFormat.WEBP, "its VP8 frame has no start code");
                }
                return new Size(u16le(b, 26) & 0x3FFF, u16le(b, 28) & 0x3FFF);
            case "VP8L":
                if ((b[20] & 0xFF) != 0x2F) {
                    throw truncated(ImageFormat.WEBP, "its VP8L stream has no signature");
                }
                long bits = u32le(b, 21);
                return new Size((int) (bits & 0x3FFF) + 1, (int) ((bits >> 14) & 0x3FFF) + 1);
            case "VP8X":
                return new Size(u24le(b, 24) + 1, u24le(b, 27) + 1);
            default:
                throw truncated(ImageFormat.WEBP, "its first chunk '" + chunk.replaceAll("[^ -~]", "?")
                        + "' is none of VP8, VP8L, VP8X");
        }
    }

    private static ImageRefusal truncated(ImageFormat format, String why) {
        return new ImageRefusal(ImageRefusal.Reason.MALFORMED, "the image is not a readable " + format
                + ": " + why);
    }

    private static int u16be(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    private static int u16le(byte[] b, int i) {
        return (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8);
    }

    private static int u24le(byte[] b, int i) {
        return (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8) | ((b[i + 2] & 0xFF) << 16);
    }

    private static long u32be(byte[] b, int i) {
        return ((long) u16be(b, i) << 16) | u16be(b, i + 2);
    }

    private static long u32le(byte[] b, int i) {
        return u16le(b, i) | ((long) u16le(b, i + 2) << 16);
    }
}
