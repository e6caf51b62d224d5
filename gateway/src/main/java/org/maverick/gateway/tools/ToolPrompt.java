package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.maverick.gateway.config.GatewayConfig.ToolStyle;
import org.maverick.gateway.generation.ToolUse;
import org.maverick.gateway.prompt.ChatTurn;
import org.maverick.gateway.prompt.Role;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tools into a Llama 4 prompt, in one of two styles (see {@code docs/tool-calling.md} for the sources):
 *
 * <ul>
 *   <li>{@link ToolStyle#PYTHONIC} (default): Meta's zero-shot function-calling system prompt from the Llama 4
 *       prompt-format documentation, the tools as a JSON list after it, calls written {@code [f(a=1), g(b="x")]};</li>
 *   <li>{@link ToolStyle#JSON}: the checkpoint's chat template: the instructions and the tools (each
 *       {@code tojson(indent=4)}) before the first user message's text, {@code Environment: ipython} at the top of
 *       a system message, calls written {@code {"name": "f", "parameters": {…}}}.</li>
 * </ul>
 *
 * <p>Both end an assistant turn that made calls and a tool-result ({@code ipython}) turn with {@code <|eot|>}, as
 * the checkpoint's chat template does; the template writes that end, this class only the contents. Immutable and
 * thread-safe.
 */
public final class ToolPrompt {

    /** Meta's system prompt for zero-shot function calling (Llama 4 prompt-format documentation), verbatim. */
    static final String PYTHONIC_INSTRUCTIONS = """
            You are a helpful assistant and an expert in function composition. You can answer general questions \
            using your internal knowledge OR invoke functions when necessary. Follow these strict guidelines:

            1. FUNCTION CALLS:
            - ONLY use functions that are EXPLICITLY listed in the function list below
            - If NO functions are listed (empty function list []), respond ONLY with internal knowledge or "I don't \
            have access to [Unavailable service] information"
            - If a function is not in the list, respond ONLY with internal knowledge or "I don't have access to \
            [Unavailable service] information"
            - If ALL required parameters are present AND the query EXACTLY matches a listed function's purpose: \
            output ONLY the function call(s)
            - Use exact format: [func_name1(param1=value1, param2=value2), func_name2(...)]
            Examples:
            CORRECT: [get_weather(location="Vancouver"), calculate_route(start="Boston", end="New York")] <- Only \
            if get_weather and calculate_route are in function list
            INCORRECT: get_weather(location="New York")
            INCORRECT: Let me check the weather: [get_weather(location="New York")]
            INCORRECT: [get_events(location="Singapore")] <- If function not in list

            2. RESPONSE RULES:
            - For pure function requests matching a listed function: ONLY output the function call(s)
            - For knowledge questions: ONLY output text
            - For missing parameters: ONLY request the specific missing parameters
            - For unavailable services (not in function list): output ONLY with internal knowledge or "I don't have \
            access to [Unavailable service] information". Do NOT execute a function call.
            - If the query asks for information beyond what a listed function provides: output ONLY with internal \
            knowledge about your limitations
            - NEVER combine text and function calls in the same response
            - NEVER suggest alternative functions when the requested service is unavailable
            - NEVER create or invent new functions not listed below

            3. STRICT BOUNDARIES:
            - ONLY use functions from the list below - no exceptions
            - NEVER use a function as an alternative to unavailable information
            - NEVER call functions not present in the function list
            - NEVER add explanatory text to function calls
            - NEVER respond with empty brackets
            - Use proper Python/JSON syntax for function calls
            - Check the function list carefully before responding

            4. TOOL RESPONSE HANDLING:
            - When receiving tool responses: provide concise, natural language responses
            - Don't repeat tool response verbatim
            - Don't add supplementary information

            Here is a list of functions in JSON format that you can invoke:
            """;

    /** The checkpoint chat template's instructions before the tools (its two missing spaces kept). */
    static final String JSON_INSTRUCTIONS = "Given the following functions, please respond with a JSON for a function "
            + "call with its proper arguments that best answers the given prompt.\n\n"
            + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its "
            + "value}.Do not use variables.\n\n";

    /** The checkpoint chat template's first line of a system message when tools are given. */
    static final String JSON_ENVIRONMENT = "Environment: ipython\n\n";

    /** Added when {@code parallel_tool_calls} is false: the model is asked for one call (and only one is returned). */
    static final String ONE_CALL = "Call at most one function per response.";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ToolStyle style;

    public ToolPrompt(ToolStyle style) {
        this.style = style;
    }

    public ToolStyle style() {
        return style;
    }

    /**
     * The conversation with the tools' instructions placed, or {@code turns} itself when no tool is offered
     * ({@code tool_choice: none} renders no tools).
     */
    public List<ChatTurn> place(List<ChatTurn> turns, ToolSet set) {
        if (!set.offered()) {
            return turns;
        }
        List<ChatTurn> out = new ArrayList<>(turns.size() + 1);
        boolean system = !turns.isEmpty() && turns.get(0).role() == Role.SYSTEM;
        if (style == ToolStyle.PYTHONIC) {
            String block = pythonicBlock(set);
            if (system) {
                out.add(ChatTurn.system(turns.get(0).content() + "\n\n" + block));
            } else {
                out.add(ChatTurn.system(block));
            }
            out.addAll(turns.subList(system ? 1 : 0, turns.size()));
            return out;
        }
        int next = 0;
        if (system) {
            out.add(ChatTurn.system(JSON_ENVIRONMENT + turns.get(0).content()));
            next = 1;
        }
        StringBuilder user = new StringBuilder(JSON_INSTRUCTIONS);
        for (ToolDefinition t : set.tools()) {
            user.append(JsonText.indented(openAiTool(t), 4)).append("\n\n");
        }
        if (!set.parallel()) {
            user.append(ONE_CALL).append("\n\n");
        }
        if (next < turns.size() && turns.get(next).role() == Role.USER) {
            ChatTurn first = turns.get(next);
            int shift = user.length(); // the user's pictures stay where they stood in its text
            out.add(new ChatTurn(Role.USER, user + first.content(),
                    first.imageAt().stream().map(at -> at + shift).toList()));
            next++;
        } else {
            out.add(ChatTurn.user(user.toString()));
        }
        out.addAll(turns.subList(next, turns.size()));
        return out;
    }

    private static String pythonicBlock(ToolSet set) {
        ArrayNode list = NODES.arrayNode();
        for (ToolDefinition t : set.tools()) {
            ObjectNode f = list.addObject();
            f.put("name", t.spelled());
            t.description().ifPresent(d -> f.put("description", d));
            f.set("parameters", t.parameters());
        }
        String block = PYTHONIC_INSTRUCTIONS + JsonText.indented(list, 4);
        return set.parallel() ? block : block + "\n\n" + ONE_CALL;
    }

    /** The tool as the checkpoint's template dumps an OpenAI tool: {@code {"type": "function", "function": {…}}}. */
    private static ObjectNode openAiTool(ToolDefinition t) {
        ObjectNode tool = NODES.objectNode();
        tool.put("type", "function");
        ObjectNode f = tool.putObject("function");
        f.put("name", t.name());
        t.description().ifPresent(d -> f.put("description", d));
        f.set("parameters", t.parameters());
        return tool;
    }

    /**
     * What the assistant turn is prefilled with so that the model continues inside a call: for
     * {@code required} the start of a call list, for a named tool the start of that tool's call; otherwise empty.
     */
    public String prefill(ToolSet set) {
        if (!set.offered()) {
            return "";
        }
        return switch (set.choice().mode()) {
            case REQUIRED -> style == ToolStyle.PYTHONIC ? "[" : "{\"name\": \"";
            case NAMED -> {
                ToolDefinition t = set.callable().get(0);
                yield style == ToolStyle.PYTHONIC ? "[" + t.spelled() + "("
                        : "{\"name\": \"" + t.name() + "\", \"parameters\": ";
            }
            default -> "";
        };
    }

    /** How the output is to be read: the callable names (as spelled, and as the client named them), the prefill. */
    public ToolUse use(ToolSet set) {
        if (!set.offered()) {
            return ToolUse.NONE;
        }
        Map<String, String> callable = new LinkedHashMap<>();
        Map<String, String> strict = new LinkedHashMap<>();
        for (ToolDefinition t : set.callable()) {
            callable.put(t.name(), t.name());
            callable.put(t.spelled(), t.name());
            if (t.strict()) {
                strict.put(t.name(), JsonText.compact(t.parameters()));
            }
        }
        return new ToolUse(callable, prefill(set), set.parallel(), strict);
    }

    /** A call from the history (or the output), arguments being a JSON object. */
    public record Call(String name, JsonNode arguments) {
    }

    /**
     * The calls of an assistant message, written as the model writes them in this style, for the history:
     * {@code [f(a=1), g(b="x")]}, or {@code {"name": "f", "parameters": {"a": 1}}} per call, one after the other as
     * the checkpoint's template writes them (and with the arguments as an object, not a string encoded again).
     */
    public String calls(List<Call> calls, ToolSet set) {
        StringBuilder out = new StringBuilder(64);
        if (style == ToolStyle.PYTHONIC) {
            out.append('[');
            for (int i = 0; i < calls.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                Call c = calls.get(i);
                String spelled = set.find(c.name()).map(ToolDefinition::spelled)
                        .orElseGet(() -> ToolRequests.identifier(c.name()));
                out.append(PythonLiterals.call(spelled, c.arguments()));
            }
            return out.append(']').toString();
        }
        for (Call c : calls) {
            out.append("{\"name\": ");
            JsonText.string(out, c.name());
            out.append(", \"parameters\": ").append(JsonText.compact(c.arguments())).append('}');
        }
        return out.toString();
    }
}
