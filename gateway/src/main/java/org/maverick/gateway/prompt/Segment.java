package org.maverick.gateway.prompt;

import java.util.List;
import java.util.Objects;

/**
 * A piece of a rendered prompt: either exactly one special token ({@link Kind#SPECIAL}, which
 * the tokenizer turns into one id) or ordinary text ({@link Kind#TEXT}, which is tokenized as
 * plain text even if it happens to contain special-token strings).
 *
 * <p>Invariants: {@code text} is never null; a SPECIAL segment's text is a member of
 * {@link SpecialTokens#llama4()}; a TEXT segment may be empty.
 */
public record Segment(Kind kind, String text) {

    /** What a segment is made of. */
    public enum Kind {
        /** One special token. */
        SPECIAL,
        /** Ordinary text. */
        TEXT
    }

    public Segment {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        if (kind == Kind.SPECIAL && !SpecialTokens.llama4().contains(text)) {
            throw new IllegalArgumentException("not a Llama 4 special token: " + text);
        }
    }

    public static Segment special(String token) {
        return new Segment(Kind.SPECIAL, token);
    }

    public static Segment text(String text) {
        return new Segment(Kind.TEXT, text);
    }

    public boolean isSpecial() {
        return kind == Kind.SPECIAL;
    }

    /** The prompt text the segments stand for, as the engine receives it. */
    public static String join(List<Segment> segments) {
        int length = 0;
        for (Segment s : segments) {
            length += s.text.length();
        }
        StringBuilder out = new StringBuilder(length);
        for (Segment s : segments) {
            out.append(s.text);
        }
        return out.toString();
    }
}
