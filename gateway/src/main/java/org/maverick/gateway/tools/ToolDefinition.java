package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.Optional;

/**
 * One function tool a client offers, validated.
 *
 * @param name        the client's name ({@code ^[a-zA-Z0-9_-]{1,64}$})
 * @param spelled     the name as the prompt offers it and the model writes it in a call: the same name, or for a
 *                    pythonic call that cannot spell it (a dash, a leading digit) an identifier mapped back to
 *                    {@code name} when the call is parsed
 * @param description what the function does, if the client said
 * @param parameters  the arguments' JSON Schema (an object; an empty parameter list when the client sent none)
 * @param strict      whether the client asked for arguments that match the schema exactly
 */
public record ToolDefinition(String name, String spelled, Optional<String> description, ObjectNode parameters,
                             boolean strict) {

    public ToolDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spelled, "spelled");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
    }
}
