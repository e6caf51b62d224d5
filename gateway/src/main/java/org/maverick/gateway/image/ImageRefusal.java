package org.maverick.gateway.image;

/**
 * Why an image was refused, before the caller knows which content part it came from; the intake turns
 * it into a 400 naming {@code messages[i].content[j].image_url}. The reason is the metric label and
 * the error code.
 */
public final class ImageRefusal extends RuntimeException {

    /** Why, as a metric label and OpenAI-style error code. */
    public enum Reason {
        /** Not a data: URI or URL the gateway accepts, or a data: URI that is not base64. */
        INVALID_URL("invalid_image_url"),
        /** The base64 text does not decode. */
        BAD_BASE64("invalid_base64"),
        /** None of PNG, JPEG, GIF, WebP. */
        UNSUPPORTED_FORMAT("unsupported_image_format"),
        /** A known format whose header or data is broken. */
        MALFORMED("invalid_image"),
        /** More bytes than {@code gateway.images.max-bytes} or {@code max-total-bytes}. */
        TOO_LARGE("image_too_large"),
        /** Wider, taller or more pixels than allowed. */
        TOO_MANY_PIXELS("image_dimensions_too_large"),
        /** More images than {@code gateway.images.max-per-request}. */
        TOO_MANY("too_many_images"),
        /** The address is one the SSRF rules refuse. */
        FORBIDDEN_ADDRESS("image_url_forbidden"),
        /** Fetching failed: no answer, an error status, too slow, too many redirects. */
        FETCH_FAILED("image_fetch_failed"),
        /** The served model cannot take pictures with a rendered prompt. */
        MODEL("images_not_supported");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public ImageRefusal(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
