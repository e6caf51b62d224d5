package org.maverick.benchmark.load;

/**
 * Counts output tokens as word pieces, the Triton stand-in's own token: a run of letters or digits
 * (with the whitespace before it) is one token, every other non-space character is one token.
 * On stand-in text this is exact; for a real model use the server's usage instead
 * ({@code --token-count usage}). Stateless; a stream's text may be counted chunk by chunk as long
 * as chunks do not split words, which holds for the stand-in, or counted once at the end.
 */
public final class Tokens {

    private Tokens() {
    }

    public static int count(CharSequence text) {
        int tokens = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '\'' || Character.isLowSurrogate(c) && inWord) {
                if (!inWord) {
                    tokens++;
                    inWord = true;
                }
            } else if (Character.isWhitespace(c)) {
                inWord = false;
            } else if (Character.isHighSurrogate(c)) {
                if (!inWord) {
                    tokens++;
                    inWord = true;
                }
            } else {
                tokens++;
                inWord = false;
            }
        }
        return tokens;
    }
}
