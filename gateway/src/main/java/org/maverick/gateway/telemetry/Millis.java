package org.maverick.gateway.telemetry;

import java.util.Locale;

/** Nanoseconds as milliseconds with one decimal, for the access log: what {@code %.1f} of nanos / 1e6 writes, without a Formatter. */
final class Millis {

    /** Beyond this the shortcut's arithmetic is not used (about 11.5 days); String.format decides. */
    private static final long EXACT_LIMIT = 1_000_000_000_000_000L;

    private Millis() {
    }

    static String tenths(long nanos) {
        if (nanos <= -EXACT_LIMIT || nanos >= EXACT_LIMIT) {
            return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
        }
        boolean negative = nanos < 0;
        long tenths = (Math.abs(nanos) + 50_000) / 100_000; // half up, as Formatter rounds the decimal digits
        String whole = Long.toString(tenths / 10);
        StringBuilder b = new StringBuilder(whole.length() + 3);
        if (negative) {
            b.append('-');
        }
        return b.append(whole).append('.').append((char) ('0' + tenths % 10)).toString();
    }
}
