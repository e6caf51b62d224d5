package org.maverick.gateway.prompt;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation, ready for the template: a role and its text content
 * (content parts already concatenated in order). Neither field is null; content may be empty.
 *
 * <p>{@code imageAt} holds, in ascending order, the character offsets in {@code content} where the
 * message's pictures stood among its text parts; the template writes one {@code <|image|>} at each
 * (the engine's image processor expands each into the picture's tiles). Empty for text-only turns.
 */
public record ChatTurn(Role role, String content, List<Integer> imageAt) {

    public ChatTurn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        imageAt = List.copyOf(imageAt);
        int previous = 0;
        for (int at : imageAt) {
            if (at < previous || at > content.length()) {
                throw new IllegalArgumentException("image offsets must ascend within the content: " + imageAt);
            }
            previous = at;
        }
    }

    /** A turn without pictures. */
    public ChatTurn(Role role, String content) {
        this(role, content, List.of());
    }

    public static ChatTurn system(String content) {
        return new ChatTurn(Role.SYSTEM, content);
    }

    public static ChatTurn user(String content) {
        return new ChatTurn(Role.USER, content);
    }

    public static ChatTurn assistant(String content) {
        return new ChatTurn(Role.ASSISTANT, content);
    }
}
