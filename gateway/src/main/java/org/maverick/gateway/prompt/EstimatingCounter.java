package org.maverick.gateway.prompt;

/**
 * Fallback when the tokenizer file is unavailable: about one token per 4 bytes of UTF-8, rounded
 * up. That is 4 characters per token for English, and closer to the truth than a character
 * count for non-Latin scripts (a CJK character is 3 bytes and typically about one token).
 * {@link #exact()} is false, so callers can say usage is estimated. Stateless and thread-safe.
 */
public final class EstimatingCounter implements TokenCounter {

    /** UTF-8 bytes per estimated token. */
    public static final int BYTES_PER_TOKEN = 4;

    @Override
    public int countText(String ordinaryText) {
        long bytes = 0;
        int n = ordinaryText.length();
        for (int i = 0; i < n; i++) {
            char c = ordinaryText.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n
                    && Character.isLowSurrogate(ordinaryText.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return (int) ((bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN);
    }

    @Override
    public boolean exact() {
        return false;
    }
}
