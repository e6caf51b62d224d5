package org.maverick.gateway.prompt;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a conversation in the Llama 4 instruct layout:
 *
 * <pre>
 * [&lt;|begin_of_text|&gt;]
 * for each turn: &lt;|header_start|&gt;ROLE&lt;|header_end|&gt;\n\n CONTENT &lt;|eot|&gt;
 * &lt;|header_start|&gt;assistant&lt;|header_end|&gt;\n\n
 * </pre>
 *
 * <p>BOS: the reference prompt starts with exactly one {@code <|begin_of_text|>}. A backend
 * that tokenizes the prompt with special tokens added (TensorRT-LLM's {@code llmapi} Triton
 * model does) adds BOS itself, so for it construct with {@code writeBos = false}; writing it
 * too would give the model two BOS tokens. Use {@code true} for a backend that takes the
 * prompt verbatim.
 *
 * <p>Content is written verbatim. It must not contain special-token strings (a backend that
 * tokenizes the text would read them as real tokens); the validator refuses or strips them
 * before, and this class rejects them as a last line of defence with
 * {@link IllegalArgumentException}. Immutable and thread-safe.
 */
public final class Llama4ChatTemplate {

    private static final String HEADER_TAIL = "\n\n";

    private final boolean writeBos;

    public Llama4ChatTemplate(boolean writeBos) {
        this.writeBos = writeBos;
    }

    /** The template for TensorRT-LLM's llmapi model, which adds BOS itself. */
    public static Llama4ChatTemplate forLlmApi() {
        return new Llama4ChatTemplate(false);
    }

    public boolean writesBos() {
        return writeBos;
    }

    /**
     * The prompt as one string.
     *
     * @throws IllegalArgumentException if a turn's content holds a special-token string
     */
    public String render(List<ChatTurn> turns) {
        int size = 64;
        for (ChatTurn turn : turns) {
            size += turn.content().length() + 48;
        }
        StringBuilder out = new StringBuilder(size);
        for (Segment segment : segments(turns)) {
            out.append(segment.text());
        }
        return out.toString();
    }

    /**
     * The prompt as segments whose concatenation is {@link #render(List)}: one SPECIAL segment
     * per special token and TEXT segments for roles, header newlines and non-empty contents.
     * Counting SPECIAL segments as one token each and tokenizing TEXT segments as ordinary
     * text gives the exact prompt length.
     *
     * @throws IllegalArgumentException if a turn's content holds a special-token string
     */
    public List<Segment> segments(List<ChatTurn> turns) {
        List<Segment> out = new ArrayList<>(turns.size() * 6 + 4);
        if (writeBos) {
            out.add(Segment.special(SpecialTokens.BEGIN_OF_TEXT));
        }
        for (int i = 0; i < turns.size(); i++) {
            ChatTurn turn = turns.get(i);
            int at = SpecialTokens.llama4().indexIn(turn.content(), 0);
            if (at >= 0) {
                throw new IllegalArgumentException("message " + i
                        + " contains a special-token string at character " + at);
            }
            header(out, turn.role());
            int from = 0;
            for (int imageAt : turn.imageAt()) {
                if (imageAt > from) {
                    out.add(Segment.text(turn.content().substring(from, imageAt)));
                }
                // A picture's placeholder: the engine's processor replaces it with the picture's tiles.
                out.add(Segment.special(SpecialTokens.IMAGE));
                from = imageAt;
            }
            if (turn.content().length() > from) {
                out.add(Segment.text(turn.content().substring(from)));
            }
            out.add(Segment.special(SpecialTokens.EOT));
        }
        header(out, Role.ASSISTANT);
        return out;
    }

    private static void header(List<Segment> out, Role role) {
        out.add(Segment.special(SpecialTokens.HEADER_START));
        out.add(Segment.text(role.wireName()));
        out.add(Segment.special(SpecialTokens.HEADER_END));
        out.add(Segment.text(HEADER_TAIL));
    }
}
