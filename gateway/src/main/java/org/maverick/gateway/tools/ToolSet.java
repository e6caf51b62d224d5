package org.maverick.gateway.tools;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A request's tools, as validated: the definitions in the client's order, the choice and whether several calls
 * may come back.
 */
public record ToolSet(List<ToolDefinition> tools, ToolChoice choice, boolean parallel) {

    /** A request without tools. */
    public static final ToolSet NONE = new ToolSet(List.of(), ToolChoice.NONE, true);

    public ToolSet {
        tools = List.copyOf(tools);
        Objects.requireNonNull(choice, "choice");
    }

    /** Whether the prompt offers tools and the output is parsed for calls ({@code tool_choice} is not none). */
    public boolean offered() {
        return !tools.isEmpty() && choice.mode() != ToolChoice.Mode.NONE;
    }

    public Optional<ToolDefinition> find(String name) {
        for (ToolDefinition t : tools) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The tools the model may call: all of them, or only the one {@code tool_choice} names. */
    public List<ToolDefinition> callable() {
        if (!offered()) {
            return List.of();
        }
        return choice.name().map(n -> find(n).map(List::of).orElse(List.of())).orElse(tools);
    }
}
