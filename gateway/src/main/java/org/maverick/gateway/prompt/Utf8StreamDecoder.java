package org.maverick.gateway.prompt;

/**
 * Decodes UTF-8 that arrives in arbitrary byte chunks. A sequence cut at the end of a chunk
 * (at most 3 bytes) is kept for the next chunk; a byte sequence that can never become valid
 * is replaced by one U+FFFD per maximal invalid subpart (the WHATWG / Unicode "best
 * practice"), exactly as a one-shot decoder of the concatenated bytes would. Not thread-safe.
 */
final class Utf8StreamDecoder {

    static final char REPLACEMENT = '\uFFFD';

    private final byte[] carry = new byte[3];
    private int carryLength;

    /** Bytes of an incomplete sequence waiting for the next chunk (0 to 3). */
    int pendingBytes() {
        return carryLength;
    }

    /** Forgets the incomplete tail; returns whether there was one. */
    boolean dropPending() {
        boolean had = carryLength > 0;
        carryLength = 0;
        return had;
    }

    /** Upper bound of the chars {@link #decode} writes for an input of this size. */
    int maxChars(int inputLength) {
        return inputLength + carryLength;
    }

    /**
     * Decodes {@code input} (after any carried bytes) into {@code out}, which must have room
     * for {@link #maxChars(int)} chars.
     *
     * @return the number of chars written
     */
    int decode(byte[] input, char[] out) {
        byte[] b = input;
        int n = input.length;
        if (carryLength > 0) {
            // Rare path: a character was split across chunks.
            b = new byte[carryLength + n];
            System.arraycopy(carry, 0, b, 0, carryLength);
            System.arraycopy(input, 0, b, carryLength, n);
            n = b.length;
            carryLength = 0;
        }
        int i = 0;
        int o = 0;
        while (i < n) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out[o++] = (char) b0;
                i++;
                continue;
            }
            int need;
            int cp;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) {
                    lo = 0xA0; // no overlong forms
                } else if (b0 == 0xED) {
                    hi = 0x9F; // no surrogates
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F; // nothing above U+10FFFF
                }
            } else {
                out[o++] = REPLACEMENT;
                i++;
                continue;
            }
            int j = i + 1;
            boolean invalid = false;
            for (int k = 0; k < need; k++, j++) {
                if (j >= n) {
                    // Valid so far but cut off: keep it for the next chunk.
                    carryLength = n - i;
                    System.arraycopy(b, i, carry, 0, carryLength);
                    return o;
                }
                int bk = b[j] & 0xFF;
                if (bk < lo || bk > hi) {
                    invalid = true;
                    break;
                }
                cp = (cp << 6) | (bk & 0x3F);
                lo = 0x80;
                hi = 0xBF;
            }
            if (invalid) {
                // The offending byte is not consumed: it may start the next character.
                out[o++] = REPLACEMENT;
                i = j;
                continue;
            }
            if (cp < 0x10000) {
                out[o++] = (char) cp;
            } else {
                out[o++] = Character.highSurrogate(cp);
                out[o++] = Character.lowSurrogate(cp);
            }
            i = j;
        }
        return o;
    }
}
