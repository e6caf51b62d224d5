package org.maverick.gateway.prompt;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The stop strings of one request, validated once and shared by the request's
 * {@link TextAssembler}s.
 *
 * <p>Invariants: every string is non-empty and well-formed UTF-16 (no unpaired surrogate);
 * duplicates are removed, first occurrence kept. There is no limit on how many (OpenAI allows
 * four; the validator enforces that). Immutable and thread-safe.
 *
 * <p>Matching rule, used by {@link TextAssembler}: text is generated left to right, so the
 * stop string that <em>completes first</em> wins (smallest end index); if two complete at the
 * same character, the longer one (starting earlier) wins. With stops {@code "bc"} and
 * {@code "abcd"}, {@code "xabcd"} stops after {@code "xa"}.
 */
public final class StopStrings {

    private static final StopStrings NONE = new StopStrings(new String[0]);

    private final String[] stops;
    private final int maxLength;

    private StopStrings(String[] stops) {
        this.stops = stops;
        int longest = 0;
        for (String stop : stops) {
            longest = Math.max(longest, stop.length());
        }
        this.maxLength = longest;
    }

    /** No stop strings. */
    public static StopStrings none() {
        return NONE;
    }

    /**
     * @throws IllegalArgumentException naming the index of an empty or malformed stop string
     */
    public static StopStrings of(List<String> stops) {
        if (stops.isEmpty()) {
            return NONE;
        }
        LinkedHashSet<String> unique = new LinkedHashSet<>();
        for (int i = 0; i < stops.size(); i++) {
            String stop = Objects.requireNonNull(stops.get(i), "stop");
            if (stop.isEmpty()) {
                throw new IllegalArgumentException("stop[" + i + "] is empty");
            }
            if (!wellFormed(stop)) {
                throw new IllegalArgumentException("stop[" + i + "] has an unpaired surrogate");
            }
            unique.add(stop);
        }
        return new StopStrings(unique.toArray(new String[0]));
    }

    public static StopStrings of(String... stops) {
        return of(List.of(stops));
    }

    /** The stop strings in the order given, without duplicates; unmodifiable. */
    public List<String> asList() {
        return List.of(stops);
    }

    public boolean isEmpty() {
        return stops.length == 0;
    }

    /** Length in chars of the longest stop string (0 when there is none). */
    public int maxLength() {
        return maxLength;
    }

    String get(int index) {
        return stops[index];
    }

    /**
     * Finds the stop string completing first in {@code text}, considering only matches that
     * start at or after {@code from}.
     *
     * @return {@code (start << 32) | stopIndex}, or -1 when none occurs
     */
    long find(StringBuilder text, int from) {
        int bestEnd = Integer.MAX_VALUE;
        int bestStart = -1;
        int bestIndex = -1;
        for (int i = 0; i < stops.length; i++) {
            String stop = stops[i];
            int at = text.indexOf(stop, from);
            if (at < 0) {
                continue;
            }
            int end = at + stop.length();
            if (end < bestEnd || (end == bestEnd && at < bestStart)) {
                bestEnd = end;
                bestStart = at;
                bestIndex = i;
            }
        }
        return bestIndex < 0 ? -1 : ((long) bestStart << 32) | bestIndex;
    }

    /**
     * Length of the longest proper suffix of {@code text} that is a prefix of some stop string:
     * the text that must be held back because the next characters may complete a stop.
     */
    int heldSuffixLength(StringBuilder text) {
        int len = text.length();
        for (int k = Math.min(maxLength - 1, len); k > 0; k--) {
            int start = len - k;
            char first = text.charAt(start);
            for (String stop : stops) {
                if (stop.length() > k && stop.charAt(0) == first && prefixMatches(text, start, stop, k)) {
                    return k;
                }
            }
        }
        return 0;
    }

    private static boolean prefixMatches(StringBuilder text, int start, String stop, int k) {
        for (int j = 1; j < k; j++) {
            if (text.charAt(start + j) != stop.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    private static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "StopStrings" + asList();
    }
}
