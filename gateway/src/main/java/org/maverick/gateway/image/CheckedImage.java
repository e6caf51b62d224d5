package org.maverick.gateway.image;

/**
 * An image the gateway has checked: its format from its bytes, its size from its header, its pixels
 * decoded once without error, and its cost in prompt tokens.
 *
 * @param dataUri what the engine receives: {@code data:<type>;base64,<bytes>} with the type the bytes show
 * @param bytes   size of the image in bytes
 */
public record CheckedImage(ImageFormat format, int width, int height, int bytes, int tokens, String dataUri) {
}
