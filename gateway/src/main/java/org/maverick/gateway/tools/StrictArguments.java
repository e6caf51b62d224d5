package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.ToolUse;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code strict: true} without guided decoding: the llmapi model cannot be made to produce arguments that match a
 * schema, so the gateway checks them after parsing, with networknt's json-schema-validator (draft 2020-12), and a
 * call whose arguments do not match is not reported as a call: its text goes to the client as content and is
 * counted as unparsed. Schemas may only refer to themselves ({@code $ref} starting with {@code #}): the validator is
 * never asked to fetch anything.
 */
public final class StrictArguments implements ToolCallParser.ArgumentCheck {

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private final Map<String, Schema> schemas;

    private StrictArguments(Map<String, Schema> schemas) {
        this.schemas = schemas;
    }

    /** The check for one generation: none when no tool is strict. Compiles each strict schema once. */
    public static ToolCallParser.ArgumentCheck of(ToolUse use) {
        if (use.strictSchemas().isEmpty()) {
            return NONE;
        }
        Map<String, Schema> schemas = new HashMap<>();
        use.strictSchemas().forEach((name, schema) -> schemas.put(name, REGISTRY.getSchema(schema, InputFormat.JSON)));
        return new StrictArguments(schemas);
    }

    @Override
    public boolean accepts(String name, JsonNode arguments) {
        Schema schema = schemas.get(name);
        return schema == null || schema.validate(arguments.toString(), InputFormat.JSON).isEmpty();
    }

    /** Checks at the edge that a strict tool's schema is usable: self-contained and valid. */
    static void check(ObjectNode schema, String param) {
        local(schema, param);
        try {
            REGISTRY.getSchema(JsonText.compact(schema), InputFormat.JSON);
        } catch (RuntimeException e) {
            throw new InvalidRequest(param, param + " is not a JSON Schema the gateway can check strict arguments "
                    + "against: " + e.getMessage());
        }
    }

    private static void local(JsonNode node, String param) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                if ((key.equals("$ref") || key.equals("$dynamicRef")) && !e.getValue().asText().startsWith("#")) {
                    throw new InvalidRequest(param, param + " refers to '" + ToolRequests.echo(e.getValue().asText())
                            + "': with strict, a schema may only refer to its own parts ($ref starting with #)");
                }
                if (key.equals("$id") || key.equals("$schema")) {
                    throw new InvalidRequest(param, param + " has " + key + ": with strict, the schema is read as "
                            + "draft 2020-12 and must not name another");
                }
                local(e.getValue(), param);
            }
        } else if (node.isArray()) {
            node.forEach(n -> local(n, param));
        }
    }
}
