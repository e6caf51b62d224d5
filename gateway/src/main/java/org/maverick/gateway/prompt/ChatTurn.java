package org.maverick.gateway.prompt;

import java.util.Objects;

/**
 * One message of a conversation, ready for the template: a role and its text content
 * (content parts already concatenated in order). Neither field is null; content may be empty.
 */
public record ChatTurn(Role role, String content) {

    public ChatTurn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
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
