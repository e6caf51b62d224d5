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
            JsonNode id = call.get("id");
            if (id == null || id.isNull()) {
                throw new InvalidRequest(c + ".id", c + ".id is required", "missing_required_parameter");
            }
            if (!id.isTextual() || id.textValue().isEmpty()) {
                throw new InvalidRequest(c + ".id", c + ".id must be a non-empty string", "invalid_type");
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
            String name = ToolRequests.name(function.get("name"), c + ".function.name");
            JsonNode arguments = function.get("arguments");
            String argParam = c + ".function.arguments";
            if (arguments == null || arguments.isNull()) {
                throw new InvalidRequest(argParam, argParam + " is required", "missing_required_parameter");
            }
            if (!arguments.isTextual()) {
                throw new InvalidRequest(argParam, argParam + " must be a string holding a JSON object",
                        "invalid_type");
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
            calls.add(new ToolPrompt.Call(name, parsed));
        }
        return content + prompt.calls(calls, set);
    }

    /** Checks that a {@code tool} message answers an earlier call. */
    public void toolResult(String toolCallId, String at) {
        String param = at + ".tool_call_id";
        if (toolCallId == null) {
            throw new InvalidRequest(param, param + " is required: a tool message answers one call by its id",
                    "missing_required_parameter");
        }
        if (!callIds.contains(toolCallId)) {
            throw new InvalidRequest(param, param + " '" + ToolRequests.echo(toolCallId)
                    + "' answers no tool call of an earlier assistant message");
        }
    }
}
