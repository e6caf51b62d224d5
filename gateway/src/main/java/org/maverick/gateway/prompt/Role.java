package org.maverick.gateway.prompt;

import java.util.Optional;

/**
 * The speaker of one chat turn, as Llama 4 names it in a message header.
 *
 * <p>Each constant has exactly one wire name, the string written between
 * {@code <|header_start|>} and {@code <|header_end|>}. {@link #fromWire(String)} also accepts
 * the OpenAI aliases {@code tool} (tool results, which Llama 4 calls {@code ipython}) and
 * {@code developer} (OpenAI's newer name for the system message).
 */
public enum Role {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant"),
    /** Tool (function) results; OpenAI's {@code tool} role. */
    IPYTHON("ipython");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** The name written in the Llama 4 message header; never empty. */
    public String wireName() {
        return wireName;
    }

    /**
     * Maps an OpenAI or Llama role name to a role. Matching is exact (case-sensitive), as
     * OpenAI's is.
     *
     * @return the role, or empty for an unknown name (including {@code null})
     */
    public static Optional<Role> fromWire(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return switch (name) {
            case "system", "developer" -> Optional.of(SYSTEM);
            case "user" -> Optional.of(USER);
            case "assistant" -> Optional.of(ASSISTANT);
            case "ipython", "tool" -> Optional.of(IPYTHON);
            default -> Optional.empty();
        };
    }
}
