package org.maverick.gateway.tools;

import java.util.Objects;
import java.util.Optional;

/** OpenAI's {@code tool_choice}: {@code none}, {@code auto}, {@code required} or one named function. */
public record ToolChoice(Mode mode, Optional<String> name) {

    public enum Mode {
        /** No tools in the prompt, no call parsed. */
        NONE,
        /** The model decides. */
        AUTO,
        /** At least one call is asked for (the assistant turn is prefilled with the start of a call). */
        REQUIRED,
        /** This function is to be called (the assistant turn is prefilled with the start of its call). */
        NAMED
    }

    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, Optional.empty());
    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, Optional.empty());
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, Optional.empty());

    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(name, "name");
        if ((mode == Mode.NAMED) != name.isPresent()) {
            throw new IllegalArgumentException("a name exactly when the mode is NAMED");
        }
    }

    public static ToolChoice named(String name) {
        return new ToolChoice(Mode.NAMED, Optional.of(name));
    }
}
