package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.prompt.SpecialTokens;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tool part of one request's history, read message by message in order: assistant messages with
 * {@code tool_calls} are checked and written back in the model's style, and each {@code tool} message must answer
 * a call made before it ({@code messages[i].tool_call_id}). Not thread-safe: one per request.
 */
public final class ToolHistory {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ToolPrompt prompt;
    private final ToolSet set;
    private final Set<String> callIds = new HashSet<>();

    public ToolHistory(ToolPrompt prompt, ToolSet set) {
        this.prompt = prompt;
        this.set = set;
    }

    /**
     * The content of an assistant turn that made calls: its text (possibly empty) followed by the calls.
     *
     * @param at the message's param path, {@code messages[i]}
     */
    public String assistant(String content, JsonNode toolCalls, String at) {
        String param = at + ".tool_calls";
        if (!toolCalls.isArray()) {
            throw new InvalidRequest(param, param + " must be an array", "invalid_type");
        }
        List<ToolPrompt.Call> calls = new ArrayList<>(toolCalls.size());
        for (int j = 0; j < toolCalls.size(); j++) {
            String c = param + "[" + j + "]";
            JsonNode call = toolCalls.get(j);
            if (!call.isObject()) {
                throw new InvalidRequest(c, c + " must be an object", "invalid_type");
            }
            JsonNode type = call.get("type");
            if (type != null && !type.isNull() && !"function".equals(type.asText())) {
                throw new InvalidRequest(c + ".type", c + ".type must be 'function'");
            }
            JsonNode function = call.get("function");
            if (function == null || !function.isObject()) {
                throw new InvalidRequest(c + ".function", c + ".function must be an object with name and arguments",
                        function == null ? "missing_required_parameter" : "invalid_type");
            }
            calls.add(call(call.get("id"), function.get("name"), function.get("arguments"), c + ".id",
                    c + ".function.name", c + ".function.arguments"));
        }
        return assistant(content, calls);
    }

    /** The content of an assistant turn that made these (checked) calls: its text followed by the calls. */
    public String assistant(String content, List<ToolPrompt.Call> calls) {
        return content + prompt.calls(calls, set);
    }

    /**
     * One call of the history, checked wherever the API keeps its fields (chat's {@code tool_calls[j].function},
     * a Responses {@code function_call} item); its id is remembered for the results that answer it.
     */
    public ToolPrompt.Call call(JsonNode id, JsonNode name, JsonNode arguments, String idParam, String nameParam,
                                String argParam) {
        if (id == null || id.isNull()) {
            throw new InvalidRequest(idParam, idParam + " is required", "missing_required_parameter");
        }
        if (!id.isTextual() || id.textValue().isEmpty()) {
            throw new InvalidRequest(idParam, idParam + " must be a non-empty string", "invalid_type");
        }
        String checkedName = ToolRequests.name(name, nameParam);
        if (arguments == null || arguments.isNull()) {
            throw new InvalidRequest(argParam, argParam + " is required", "missing_required_parameter");
        }
        if (!arguments.isTextual()) {
            throw new InvalidRequest(argParam, argParam + " must be a string holding a JSON object", "invalid_type");
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(arguments.textValue());
        } catch (Exception e) {
            parsed = null;
        }
        if (parsed == null || !parsed.isObject()) {
            throw new InvalidRequest(argParam, argParam + " must be a JSON object encoded as a string");
        }
        if (SpecialTokens.llama4().firstIn(arguments.textValue()).isPresent()) {
            throw new InvalidRequest(argParam, argParam + " contains a special-token string, which is reserved "
                    + "for the chat template", "special_token_in_content");
        }
        callIds.add(id.textValue());
        return new ToolPrompt.Call(checkedName, parsed);
    }

    /** Checks that a {@code tool} message answers an earlier call. */
    public void toolResult(String toolCallId, String at) {
        answers(toolCallId, at + ".tool_call_id", "a tool message answers one call by its id",
                "an earlier assistant message");
    }

    /**
     * Checks that a tool result answers an earlier call.
     *
     * @param param   the field holding the call's id ({@code messages[3].tool_call_id}, {@code input[3].call_id})
     * @param why     why the id is needed, for the message when it is missing
     * @param earlier where the calls it may answer were made, for the message when it answers none
     */
    public void answers(String toolCallId, String param, String why, String earlier) {
        if (toolCallId == null) {
            throw new InvalidRequest(param, param + " is required: " + why, "missing_required_parameter");
        }
        if (!callIds.contains(toolCallId)) {
            throw new InvalidRequest(param, param + " '" + ToolRequests.echo(toolCallId)
                    + "' answers no tool call of " + earlier);
        }
    }
}
