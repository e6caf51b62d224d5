package org.maverick.gateway.prompt;

import java.util.List;

/**
 * Counts tokens the way the model's tokenizer does, for admission (prompt length) and usage.
 *
 * <p>Implementations are immutable and thread-safe. Special-token strings inside ordinary
 * text are counted as ordinary text, never as special tokens: only {@link Segment.Kind#SPECIAL}
 * segments count as one special token each.
 */
public interface TokenCounter {

    /** Tokens of {@code text} tokenized as ordinary text. */
    int countText(String ordinaryText);

    /** Tokens of a rendered prompt: 1 per special segment plus the text segments' tokens. */
    default int countPrompt(List<Segment> segments) {
        int total = 0;
        for (Segment segment : segments) {
            total += segment.isSpecial() ? 1 : countText(segment.text());
        }
        return total;
    }

    /** Whether counts are exact (the model's tokenizer) rather than an estimate. */
    boolean exact();
}
