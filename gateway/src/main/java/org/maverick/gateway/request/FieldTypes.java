package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.protocol.ChatCompletionRequest;
import org.maverick.gateway.protocol.ChatCompletionRequest.ChatMessage;
import org.maverick.gateway.protocol.CompletionRequest;

/**
 * Strict JSON types of the request fields the records leave as trees. Pure: any thread.
 */
final class FieldTypes {

    private FieldTypes() {
    }

    /**
     * The JSON types of the fields read as trees, before anything else: polymorphic ones (content, stop,
     * prompt) and refused ones, so a refused field of the wrong type is a type error like any other
     * ({@code "logit_bias":"zzz"} used to pass, only a non-empty object was refused). Jackson checks the
     * typed fields while reading the record. All of it is 400 {@code invalid_type} naming the field, the
     * code of Jackson's type errors. Types are OpenAI's: a refused field of the right type is refused
     * afterwards for what it asks.
     */
    static void check(ChatCompletionRequest r) {
        requireNumbersByKey(r.logitBias(), "logit_bias");
        requireArrayOfObjects(r.tools(), "tools");
        requireType(r.toolChoice(), "tool_choice", n -> n.isTextual() || n.isObject(), "a string or an object");
        requireArrayOfObjects(r.functions(), "functions");
        requireType(r.functionCall(), "function_call", n -> n.isTextual() || n.isObject(), "a string or an object");
        requireType(r.responseFormat(), "response_format", JsonNode::isObject, "an object");
        if (r.responseFormat() != null && r.responseFormat().isObject()) {
            requireType(r.responseFormat().get("type"), "response_format.type", JsonNode::isTextual, "a string");
        }
        requireType(r.audio(), "audio", JsonNode::isObject, "an object");
        requireStringOrStrings(r.stop(), "stop");
        if (r.messages() != null) {
            for (int i = 0; i < r.messages().size(); i++) {
                ChatMessage m = r.messages().get(i);
                if (m != null) {
                    requireArrayOfObjects(m.toolCalls(), "messages[" + i + "].tool_calls");
                    requireType(m.content(), "messages[" + i + "].content", n -> n.isTextual() || n.isArray(),
                            "a string or an array of content parts");
                }
            }
        }
    }

    static void check(CompletionRequest r) {
        requireNumbersByKey(r.logitBias(), "logit_bias");
        // A string, or an array (of strings, or OpenAI's token ids, which are refused later as unsupported).
        requireType(r.prompt(), "prompt", n -> n.isTextual() || n.isArray(), "a string");
        requireStringOrStrings(r.stop(), "stop");
    }

    /** Absent and JSON null pass: they mean "not given". */
    private static void requireType(JsonNode node, String param, java.util.function.Predicate<JsonNode> ok,
                                    String expected) {
        if (node != null && !node.isNull() && !ok.test(node)) {
            throw wrongType(param, expected);
        }
    }

    private static void requireArrayOfObjects(JsonNode node, String param) {
        requireType(node, param, JsonNode::isArray, "an array of objects");
        if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireType(node.get(i), param + "[" + i + "]", JsonNode::isObject, "an object");
            }
        }
    }

    private static void requireStringOrStrings(JsonNode node, String param) {
        requireType(node, param, n -> n.isTextual() || n.isArray(), "a string or an array of strings");
        if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                if (!node.get(i).isTextual()) {
                    throw wrongType(param + "[" + i + "]", "a string");
                }
            }
        }
    }

    /** OpenAI's logit_bias: token ids (object keys) to numbers. */
    private static void requireNumbersByKey(JsonNode node, String param) {
        requireType(node, param, JsonNode::isObject, "an object mapping token ids to numbers");
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (!e.getValue().isNumber()) {
                    throw wrongType(param + "." + RequestValidator.echo(e.getKey()), "a number");
                }
            });
        }
    }

    static InvalidRequest wrongType(String param, String expected) {
        return new InvalidRequest(param, param + " must be " + expected + ".", "invalid_type");
    }
}
