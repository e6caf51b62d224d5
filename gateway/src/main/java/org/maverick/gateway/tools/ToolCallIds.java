package org.maverick.gateway.tools;

import java.security.SecureRandom;

/** Tool call ids as OpenAI writes them: {@code call_} and 24 letters and digits (about 143 random bits). */
public final class ToolCallIds {

    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ToolCallIds() {
    }

    public static String next() {
        char[] id = new char[29];
        "call_".getChars(0, 5, id, 0);
        for (int i = 5; i < id.length; i++) {
            id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(id);
    }
}
