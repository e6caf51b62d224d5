package org.maverick.benchmark.load;

import java.util.function.LongConsumer;

/**
 * The Triton stand-in's send-time markers ({@code [standin:stamp]}): {@code [[ts=EPOCH_NANOS]]}
 * inside the streamed text. {@link #strip} hands every marker's send time to a consumer and returns
 * the text without markers. A malformed marker (no digits, no closing brackets) is left as text.
 */
public final class Stamps {

    public static final String OPEN = "[[ts=";
    public static final String CLOSE = "]]";

    private Stamps() {
    }

    public static String strip(String text, LongConsumer sendTimes) {
        int at = text.indexOf(OPEN);
        if (at < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        while (at >= 0) {
            int digits = at + OPEN.length();
            int end = digits;
            long value = 0;
            while (end < text.length() && end - digits < 19 && Character.isDigit(text.charAt(end))) {
                value = value * 10 + (text.charAt(end) - '0');
                end++;
            }
            if (end > digits && text.startsWith(CLOSE, end)) {
                out.append(text, from, at);
                sendTimes.accept(value);
                from = end + CLOSE.length();
                at = text.indexOf(OPEN, from);
            } else {
                at = text.indexOf(OPEN, at + 1);
            }
        }
        return out.append(text, from, text.length()).toString();
    }
}
