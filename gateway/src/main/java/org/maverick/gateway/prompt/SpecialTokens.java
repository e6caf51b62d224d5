package org.maverick.gateway.prompt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Llama 4 special-token vocabulary: 2,048 strings of the form {@code <|name|>}, in the
 * order of Meta's reference tokenizer, so that the token at index {@code i} has id
 * {@code FIRST_ID + i} (the tokenizer file holds {@value #FIRST_ID} ordinary tokens).
 *
 * <p>Order: five basic tokens ({@code begin_of_text}, {@code end_of_text}, three FIM tokens);
 * the text post-training block (ids 200005–200079: header, eom, eot, step, python and pad
 * tokens interleaved with {@code text_post_train_reserved_special_token_N}); the vision block
 * (200080–201133: image/tile/patch tokens interleaved with
 * {@code vision_reserved_special_token_N}); ten reasoning tokens (201134–201143); then
 * {@code reserved_special_token_0..903} up to 202047.
 *
 * <p>Instances are immutable and thread-safe. Every token's inner name consists only of
 * {@code [a-z0-9_]}, which {@link #firstIn(CharSequence)} relies on to scan quickly.
 */
public final class SpecialTokens {

    /** Id of the first special token in Llama 4 (the number of ordinary tokens). */
    public static final int FIRST_ID = 200_000;
    /** Size of the special-token block. */
    public static final int COUNT = 2_048;

    public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    public static final String END_OF_TEXT = "<|end_of_text|>";
    public static final String HEADER_START = "<|header_start|>";
    public static final String HEADER_END = "<|header_end|>";
    /** End of message: the assistant made a tool call and waits for its result. */
    public static final String EOM = "<|eom|>";
    /** End of turn. */
    public static final String EOT = "<|eot|>";
    public static final String PYTHON_START = "<|python_start|>";
    public static final String PYTHON_END = "<|python_end|>";
    public static final String IMAGE_START = "<|image_start|>";
    public static final String IMAGE_END = "<|image_end|>";
    public static final String IMAGE = "<|image|>";
    public static final String PATCH = "<|patch|>";
    public static final String TILE_X_SEPARATOR = "<|tile_x_separator|>";
    public static final String TILE_Y_SEPARATOR = "<|tile_y_separator|>";

    private static final SpecialTokens LLAMA4 = new SpecialTokens(buildLlama4());

    private final List<String> tokens;
    private final Map<String, Integer> index;
    private final int maxLength;

    private SpecialTokens(List<String> tokens) {
        this.tokens = Collections.unmodifiableList(tokens);
        Map<String, Integer> map = new HashMap<>(tokens.size() * 2);
        int longest = 0;
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (map.put(token, i) != null) {
                throw new IllegalStateException("duplicate special token " + token);
            }
            longest = Math.max(longest, token.length());
        }
        this.index = map;
        this.maxLength = longest;
    }

    /** The Llama 4 vocabulary (shared instance). */
    public static SpecialTokens llama4() {
        return LLAMA4;
    }

    /** All special tokens, index {@code i} having id {@code FIRST_ID + i}; unmodifiable. */
    public List<String> all() {
        return tokens;
    }

    public int size() {
        return tokens.size();
    }

    public boolean contains(String token) {
        return index.containsKey(token);
    }

    /**
     * The Llama 4 id of a special token ({@code FIRST_ID + index}).
     *
     * @throws IllegalArgumentException if {@code token} is not a special token
     */
    public int id(String token) {
        return FIRST_ID + index(token);
    }

    /**
     * Position of a special token in {@link #all()}; the id is this plus the number of
     * ordinary tokens of the tokenizer.
     *
     * @throws IllegalArgumentException if {@code token} is not a special token
     */
    public int index(String token) {
        Integer i = index.get(token);
        if (i == null) {
            throw new IllegalArgumentException("not a Llama 4 special token: " + token);
        }
        return i;
    }

    /**
     * Finds the first (leftmost) special-token string inside arbitrary text. Lookalikes such
     * as {@code <|not_a_token|>} or {@code <|eot>} are ignored. Runs in time linear in the
     * text length and allocates only for {@code <|name|>} candidates.
     *
     * @return the token found, or empty
     */
    public Optional<String> firstIn(CharSequence text) {
        int at = indexIn(text, 0);
        return at < 0 ? Optional.empty() : Optional.of(tokenAt(text, at));
    }

    /**
     * Index of the first special-token string starting at or after {@code from}, or -1.
     */
    public int indexIn(CharSequence text, int from) {
        if (text instanceof String s) {
            // String.indexOf is an intrinsic: several times faster than a charAt loop.
            for (int i = s.indexOf("<|", Math.max(0, from)); i >= 0; i = s.indexOf("<|", i + 1)) {
                if (matchLength(s, i) > 0) {
                    return i;
                }
            }
            return -1;
        }
        int n = text.length();
        for (int i = Math.max(0, from); i + 1 < n; i++) {
            if (text.charAt(i) != '<' || text.charAt(i + 1) != '|') {
                continue;
            }
            if (matchLength(text, i) > 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Removes every special-token string from {@code text}. Removal is repeated until none is
     * left, so that pieces around a removed token cannot join into a new one
     * ({@code "<|<|eot|>eot|>"} becomes empty, not {@code "<|eot|>"}).
     *
     * @return {@code text} itself when it holds no special token
     */
    public String strip(String text) {
        int at = indexIn(text, 0);
        if (at < 0) {
            return text;
        }
        String current = text;
        while (at >= 0) {
            StringBuilder out = new StringBuilder(current.length());
            int copied = 0;
            while (at >= 0) {
                out.append(current, copied, at);
                copied = at + matchLength(current, at);
                at = indexIn(current, copied);
            }
            out.append(current, copied, current.length());
            current = out.toString();
            at = indexIn(current, 0);
        }
        return current;
    }

    /** Length of the special token starting at {@code start} (which holds "<|"), or 0. */
    /**
     * Cuts raw prompt text (the completions API, where special tokens are the caller's intent)
     * into special-token and ordinary-text segments, for exact counting.
     */
    public List<Segment> segments(String text) {
        List<Segment> out = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = indexIn(text, from)) >= 0) {
            if (at > from) {
                out.add(Segment.text(text.substring(from, at)));
            }
            int end = at + matchLength(text, at);
            out.add(Segment.special(text.substring(at, end)));
            from = end;
        }
        if (from < text.length() || out.isEmpty()) {
            out.add(Segment.text(text.substring(from)));
        }
        return out;
    }

    private int matchLength(CharSequence text, int start) {
        int n = text.length();
        int limit = Math.min(n, start + maxLength);
        // Inner names are [a-z0-9_]; the first other character decides.
        for (int j = start + 2; j < limit; j++) {
            char c = text.charAt(j);
            if (c == '|') {
                if (j + 1 < n && text.charAt(j + 1) == '>') {
                    int end = j + 2;
                    String candidate = text.subSequence(start, end).toString();
                    return index.containsKey(candidate) ? end - start : 0;
                }
                return 0;
            }
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return 0;
            }
        }
        return 0;
    }

    private String tokenAt(CharSequence text, int start) {
        String found = text.subSequence(start, start + matchLength(text, start)).toString();
        return tokens.get(index.get(found));
    }

    private static List<String> buildLlama4() {
        List<String> list = new ArrayList<>(COUNT);
        // Basic tokens, ids 200000-200004.
        list.add(BEGIN_OF_TEXT);
        list.add(END_OF_TEXT);
        list.add("<|fim_prefix|>");
        list.add("<|fim_middle|>");
        list.add("<|fim_suffix|>");
        // Text post-training block, ids 200005-200079.
        list.add(HEADER_START);
        list.add(HEADER_END);
        list.add(EOM);
        list.add(EOT);
        list.add("<|step|>");
        reserved(list, "text_post_train_reserved_special_token_", 0, 6);
        list.add(PYTHON_START);
        list.add(PYTHON_END);
        list.add("<|finetune_right_pad|>");
        reserved(list, "text_post_train_reserved_special_token_", 8, 61);
        // Vision block, ids 200080-201133.
        list.add(IMAGE_START);
        list.add(IMAGE_END);
        reserved(list, "vision_reserved_special_token_", 0, 2);
        list.add(TILE_X_SEPARATOR);
        list.add(TILE_Y_SEPARATOR);
        reserved(list, "vision_reserved_special_token_", 2, 4);
        list.add(IMAGE);
        reserved(list, "vision_reserved_special_token_", 6, 1);
        list.add(PATCH);
        reserved(list, "vision_reserved_special_token_", 7, 1041);
        // Reasoning block, ids 201134-201143.
        reserved(list, "reasoning_reserved_special_token_", 0, 8);
        list.add("<|reasoning_thinking_start|>");
        list.add("<|reasoning_thinking_end|>");
        // Generic reserved tokens fill the block up to 2048.
        reserved(list, "reserved_special_token_", 0, COUNT - list.size());
        return list;
    }

    private static void reserved(List<String> list, String prefix, int first, int count) {
        for (int i = first; i < first + count; i++) {
            list.add("<|" + prefix + i + "|>");
        }
    }
}
