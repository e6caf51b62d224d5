package org.maverick.gateway.generation;

import java.security.SecureRandom;

/** Unguessable request ids in OpenAI's style ({@code chatcmpl-…}, {@code cmpl-…}). Thread-safe. */
public final class RequestIds {

    public static final String CHAT = "chatcmpl-";
    public static final String COMPLETION = "cmpl-";
    /** The Responses API's response ids. */
    public static final String RESPONSE = "resp_";

    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {
    }

    /** A new id: the prefix and 24 random base-62 characters (about 143 bits). */
    public static String next(String prefix) {
        char[] id = new char[24];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return prefix + new String(id);
    }
}
