package org.maverick.gateway.image;

import java.util.Optional;

/**
 * The picture formats the gateway accepts, told apart by their first bytes (magic numbers), never
 * by a declared media type or a file name: a caller's {@code data:image/png} label or a server's
 * {@code Content-Type} may lie, the bytes decide.
 */
public enum ImageFormat {
    PNG("image/png"),
    JPEG("image/jpeg"),
    GIF("image/gif"),
    WEBP("image/webp");

    private final String mediaType;

    ImageFormat(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The format whose signature {@code bytes} start with, if any. */
    public static Optional<ImageFormat> sniff(byte[] bytes) {
        if (startsWith(bytes, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (startsWith(bytes, 0, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(bytes, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(bytes, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Optional.of(GIF);
        }
        if (startsWith(bytes, 0, 'R', 'I', 'F', 'F') && startsWith(bytes, 8, 'W', 'E', 'B', 'P')) {
            return Optional.of(WEBP);
        }
        return Optional.empty();
    }

    /** The format a media type names ({@code image/jpg} is a common misspelling of {@code image/jpeg}). */
    public static Optional<ImageFormat> ofMediaType(String mediaType) {
        String m = mediaType.trim().toLowerCase(java.util.Locale.ROOT);
        for (ImageFormat f : values()) {
            if (f.mediaType.equals(m)) {
                return Optional.of(f);
            }
        }
        return "image/jpg".equals(m) ? Optional.of(JPEG) : Optional.empty();
    }

    private static boolean startsWith(byte[] bytes, int at, int... signature) {
        if (bytes.length < at + signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if ((bytes[at + i] & 0xFF) != signature[i]) {
                return false;
            }
        }
        return true;
    }
}
