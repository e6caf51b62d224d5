package org.maverick.gateway.generation;

import java.util.Map;
import java.util.Objects;

/**
 * How one generation's output is read for tool calls: plain data, so that it travels with the
 * {@link Generation} to whichever backend runs it (and through Kafka in queued mode).
 *
 * @param callable      the tool names the model may call, as it spells them in a call, mapped to the client's
 *                      names (a pythonic call cannot spell {@code get-weather}, so the prompt offers
 *                      {@code get_weather} and this maps it back); empty when no call is to be parsed
 * @param prefill       text the prompt already ends with inside the assistant turn (the start of a call, for
 *                      {@code tool_choice} required or a named tool), parsed together with the output; may be empty
 * @param parallel      whether more than the first call is returned ({@code parallel_tool_calls})
 * @param strictSchemas client tool name to the JSON Schema (as JSON text) its arguments must match, for tools
 *                      offered with {@code strict: true}
 */
public record ToolUse(Map<String, String> callable, String prefill, boolean parallel,
                      Map<String, String> strictSchemas) {

    /** No tools: the output is plain text. */
    public static final ToolUse NONE = new ToolUse(Map.of(), "", true, Map.of());

    public ToolUse {
        callable = Map.copyOf(Objects.requireNonNull(callable, "callable"));
        Objects.requireNonNull(prefill, "prefill");
        strictSchemas = Map.copyOf(Objects.requireNonNull(strictSchemas, "strictSchemas"));
    }

    /** Whether the output is parsed for tool calls at all. */
    public boolean enabled() {
        return !callable.isEmpty();
    }
}
