package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.prompt.SpecialTokens;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks a chat request's tool fields ({@code tools}, {@code tool_choice}, {@code parallel_tool_calls},
 * and the legacy {@code functions}/{@code function_call}, which are refused) into a {@link ToolSet}. Every refusal
 * is an {@link InvalidRequest} naming the field, e.g. {@code tools[3].function.name}. Pure and thread-safe.
 */
public final class ToolRequests {

    /** OpenAI's limit on tools per request. */
    public static final int MAX_TOOLS = 128;
    /** OpenAI's rule for function names. */
    public static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");
    private static final Pattern IDENTIFIER = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");

    private final GatewayConfig.ToolStyle style;
    private final int maxDefinitionChars;

    public ToolRequests(GatewayConfig.ToolStyle style, int maxDefinitionChars) {
        this.style = style;
        this.maxDefinitionChars = maxDefinitionChars;
    }

    public GatewayConfig.ToolStyle style() {
        return style;
    }

    public ToolSet read(JsonNode tools, JsonNode toolChoice, Boolean parallel, JsonNode functions,
                        JsonNode functionCall) {
        // The legacy pair is refused rather than mapped: its answer shape (message.function_call) differs, and a
        // client that sends it would not read tool_calls.
        if (present(functions)) {
            throw new InvalidRequest("functions", "functions is deprecated and not supported; send the same "
                    + "definitions as tools ([{\"type\":\"function\",\"function\":{…}}]) and read message.tool_calls",
                    "unsupported_parameter");
        }
        if (present(functionCall)) {
            throw new InvalidRequest("function_call", "function_call is deprecated and not supported; use tool_choice",
                    "unsupported_parameter");
        }
        List<ToolDefinition> definitions = definitions(tools, Shape.CHAT);
        ToolChoice choice = choice(toolChoice, definitions, Shape.CHAT);
        return new ToolSet(definitions, choice, parallel == null || parallel);
    }

    /**
     * The same fields in the Responses API's shape: a function tool is flat ({@code {"type":"function","name",
     * "description","parameters","strict"}}) and a named choice is {@code {"type":"function","name":…}}. Refusals
     * name the Responses fields ({@code tools[2].name}, {@code tool_choice.name}). Built-in tools (web search, file
     * search, ...) and their choices are refused by their {@code type}: the gateway runs none of them.
     */
    public ToolSet readResponses(JsonNode tools, JsonNode toolChoice, Boolean parallel) {
        List<ToolDefinition> definitions = definitions(tools, Shape.RESPONSES);
        ToolChoice choice = choice(toolChoice, definitions, Shape.RESPONSES);
        return new ToolSet(definitions, choice, parallel == null || parallel);
    }

    /** Where a function's fields sit: under {@code function} (chat completions) or in the tool itself (Responses). */
    private enum Shape { CHAT, RESPONSES }

    private List<ToolDefinition> definitions(JsonNode tools, Shape shape) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw new InvalidRequest("tools", "tools must be an array of tool objects", "invalid_type");
        }
        if (tools.isEmpty()) {
            if (shape == Shape.RESPONSES) {
                return List.of(); // OpenAI's Responses API takes [] as no tools
            }
            throw new InvalidRequest("tools", "tools must not be an empty array; leave it out to offer no tools");
        }
        if (tools.size() > MAX_TOOLS) {
            throw new InvalidRequest("tools", "at most " + MAX_TOOLS + " tools are allowed, got " + tools.size());
        }
        List<ToolDefinition> out = new ArrayList<>(tools.size());
        Set<String> names = new HashSet<>();
        long chars = 0;
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            if (!tool.isObject()) {
                throw new InvalidRequest(at, at + " must be an object", "invalid_type");
            }
            JsonNode type = tool.get("type");
            if (type == null || type.isNull()) {
                throw new InvalidRequest(at + ".type", at + ".type is required ('function')",
                        "missing_required_parameter");
            }
            if (!type.isTextual()) {
                throw new InvalidRequest(at + ".type", at + ".type must be a string", "invalid_type");
            }
            if (!"function".equals(type.textValue())) {
                throw new InvalidRequest(at + ".type", at + ".type '" + echo(type.textValue())
                        + "' is not supported; only 'function' tools are" + (shape == Shape.RESPONSES
                        ? " (this gateway runs no built-in tools)" : ""), "unsupported_value");
            }
            ObjectNode function;
            String fn; // the param path of the function's fields
            if (shape == Shape.RESPONSES) {
                // The function's fields without "type", so the size check and the special-token check see what a
                // chat client's function object would be.
                function = ((ObjectNode) tool).deepCopy();
                function.remove("type");
                fn = at;
            } else {
                JsonNode f = tool.get("function");
                if (f == null || f.isNull()) {
                    throw new InvalidRequest(at + ".function", at + ".function is required",
                            "missing_required_parameter");
                }
                if (!f.isObject()) {
                    throw new InvalidRequest(at + ".function", at + ".function must be an object", "invalid_type");
                }
                function = (ObjectNode) f;
                fn = at + ".function";
            }
            String name = name(function.get("name"), fn + ".name");
            if (!names.add(name)) {
                throw new InvalidRequest(fn + ".name", "tool names must be unique; '" + name
                        + "' is offered twice");
            }
            Optional<String> description = optionalString(function.get("description"), fn + ".description");
            JsonNode parameters = function.get("parameters");
            ObjectNode schema;
            if (parameters == null || parameters.isNull()) {
                schema = JsonNodeFactory.instance.objectNode();
                schema.put("type", "object");
                schema.putObject("properties");
            } else if (parameters.isObject()) {
                schema = (ObjectNode) parameters;
            } else {
                throw new InvalidRequest(fn + ".parameters", fn
                        + ".parameters must be a JSON Schema object", "invalid_type");
            }
            JsonNode strict = function.get("strict");
            if (strict != null && !strict.isNull() && !strict.isBoolean()) {
                throw new InvalidRequest(fn + ".strict", fn + ".strict must be a boolean",
                        "invalid_type");
            }
            if (strict != null && strict.asBoolean()) {
                StrictArguments.check(schema, fn + ".parameters");
            }
            String rendered = JsonText.compact(function);
            chars += rendered.length();
            if (chars > maxDefinitionChars) {
                throw new InvalidRequest("tools", "the tool definitions are larger than " + maxDefinitionChars
                        + " characters of JSON together (at " + at + ")");
            }
            Optional<String> special = SpecialTokens.llama4().firstIn(rendered);
            if (special.isPresent()) {
                throw new InvalidRequest(fn, fn + " contains the special token '"
                        + special.get() + "', which is reserved for the chat template", "special_token_in_content");
            }
            out.add(new ToolDefinition(name, name, description, schema, strict != null && strict.asBoolean()));
        }
        return spell(out);
    }

    /**
     * A pythonic call is a Python identifier followed by arguments, so a name with a dash or a leading digit
     * cannot be written as it is: such a tool is offered under an identifier ({@code -} becomes {@code _}, a
     * leading digit gets a {@code _} before it, and {@code _2}, {@code _3}… are added while it collides with
     * another tool's name), and the parser maps that identifier back. JSON calls name the tool in a string,
     * so there every name is offered as it is.
     */
    private List<ToolDefinition> spell(List<ToolDefinition> tools) {
        if (style != GatewayConfig.ToolStyle.PYTHONIC) {
            return tools;
        }
        Set<String> taken = new HashSet<>();
        tools.forEach(t -> taken.add(t.name()));
        List<ToolDefinition> out = new ArrayList<>(tools.size());
        for (ToolDefinition t : tools) {
            String spelled = t.name();
            if (!IDENTIFIER.matcher(spelled).matches()) {
                String base = identifier(spelled);
                spelled = base;
                for (int n = 2; taken.contains(spelled); n++) {
                    spelled = base + "_" + n;
                }
                taken.add(spelled);
            }
            out.add(new ToolDefinition(t.name(), spelled, t.description(), t.parameters(), t.strict()));
        }
        return out;
    }

    /** The identifier a pythonic call can write for a valid tool name (see {@link #spell}). */
    static String identifier(String name) {
        String s = name.replace('-', '_');
        return Character.isDigit(s.charAt(0)) ? "_" + s : s;
    }

    private static ToolChoice choice(JsonNode choice, List<ToolDefinition> tools, Shape shape) {
        ToolChoice out;
        if (choice == null || choice.isNull()) {
            return tools.isEmpty() ? ToolChoice.NONE : ToolChoice.AUTO;
        }
        if (choice.isTextual()) {
            out = switch (choice.textValue()) {
                case "none" -> ToolChoice.NONE;
                case "auto" -> ToolChoice.AUTO;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw new InvalidRequest("tool_choice", "tool_choice must be 'none', 'auto', 'required' "
                        + "or " + (shape == Shape.RESPONSES ? "{\"type\":\"function\",\"name\":…}"
                        : "{\"type\":\"function\",\"function\":{\"name\":…}}") + ", got '"
                        + echo(choice.textValue()) + "'");
            };
        } else if (choice.isObject()) {
            JsonNode type = choice.get("type");
            if (type == null || !type.isTextual() || !"function".equals(type.textValue())) {
                if (shape == Shape.RESPONSES && type != null && type.isTextual()) {
                    // allowed_tools, a built-in tool's type, mcp, custom: nothing the gateway can run or restrict
                    throw new InvalidRequest("tool_choice.type", "tool_choice of type '" + echo(type.textValue())
                            + "' is not supported; use 'none', 'auto', 'required' or {\"type\":\"function\","
                            + "\"name\":…}", "unsupported_value");
                }
                throw new InvalidRequest("tool_choice.type", "tool_choice.type must be 'function'",
                        type == null ? "missing_required_parameter" : "invalid_value");
            }
            String nameParam;
            JsonNode nameNode;
            if (shape == Shape.RESPONSES) {
                nameParam = "tool_choice.name";
                nameNode = choice.get("name");
            } else {
                JsonNode function = choice.get("function");
                if (function == null || !function.isObject()) {
                    throw new InvalidRequest("tool_choice.function", "tool_choice.function must be an object with a "
                            + "name", function == null ? "missing_required_parameter" : "invalid_type");
                }
                nameParam = "tool_choice.function.name";
                nameNode = function.get("name");
            }
            String name = name(nameNode, nameParam);
            if (tools.stream().noneMatch(t -> t.name().equals(name))) {
                throw new InvalidRequest(nameParam, "tool_choice names the function '" + name
                        + "', which is not among the tools offered");
            }
            out = ToolChoice.named(name);
        } else {
            throw new InvalidRequest("tool_choice", "tool_choice must be a string or an object", "invalid_type");
        }
        // The Responses API's default choice is "auto" whether or not tools are given (its SDKs may send it), so
        // there "auto" without tools means no tools; a choice that demands a call still needs tools.
        boolean noOp = out.mode() == ToolChoice.Mode.NONE
                || (shape == Shape.RESPONSES && out.mode() == ToolChoice.Mode.AUTO);
        if (tools.isEmpty() && !noOp) {
            throw new InvalidRequest("tool_choice", "tool_choice " + (out.mode() == ToolChoice.Mode.REQUIRED
                    ? "'required' " : "") + "is only allowed when tools are given");
        }
        return out;
    }

    static String name(JsonNode name, String param) {
        if (name == null || name.isNull()) {
            throw new InvalidRequest(param, param + " is required", "missing_required_parameter");
        }
        if (!name.isTextual()) {
            throw new InvalidRequest(param, param + " must be a string", "invalid_type");
        }
        if (!NAME.matcher(name.textValue()).matches()) {
            throw new InvalidRequest(param, param + " '" + echo(name.textValue()) + "' must be 1 to 64 characters "
                    + "of a-z, A-Z, 0-9, underscore and dash");
        }
        return name.textValue();
    }

    private static Optional<String> optionalString(JsonNode node, String param) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new InvalidRequest(param, param + " must be a string", "invalid_type");
        }
        return Optional.of(node.textValue());
    }

    static String echo(String value) {
        String v = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return v.replaceAll("[\\uD800-\\uDFFF]", "?");
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !(node.isContainerNode() && node.isEmpty());
    }
}
