package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.mutiny.Uni;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.image.ImageSource;
import org.maverick.gateway.prompt.ChatTurn;
import org.maverick.gateway.prompt.Role;
import org.maverick.gateway.protocol.responses.ResponseCreateRequest;
import org.maverick.gateway.protocol.responses.ResponseSettings;
import org.maverick.gateway.tools.ToolDefinition;
import org.maverick.gateway.tools.ToolHistory;
import org.maverick.gateway.tools.ToolPrompt;
import org.maverick.gateway.tools.ToolSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A {@code POST /v1/responses} body parsed, checked and turned into the same chat {@link Generation} a chat
 * completion becomes (the Llama 4 template, the same limits, through {@link RequestValidator#conversation}),
 * plus the settings the response echoes. Pure (no I/O, any thread). Every refusal is an
 * {@link InvalidRequest} naming the field in the Responses API's own terms ({@code input[2].content[0].type}).
 *
 * <p>Field policy, as for chat completions: unknown fields are ignored; known fields the gateway cannot honour
 * are accepted at their no-op values and refused only when their value asks for something it cannot do.
 *
 * <p>Function tools, {@code tool_choice} and {@code parallel_tool_calls} are read by the chat completions' rules
 * ({@link RequestValidator#responsesTools}); {@code function_call} input items are written back as the
 * assistant's calls and {@code function_call_output} items as tool results ({@code ipython} turns), exactly as a
 * chat completion's {@code tool_calls} and {@code tool} messages are ({@link ToolHistory}). Built-in tools are
 * refused: the gateway runs none. {@code input_image} parts take the chat completions' image path (the same
 * checks, limits and token counting), so a request with pictures is a {@link Draft} whose pictures are checked
 * off the event loop.
 */
@ApplicationScoped
public class ResponsesRequestParser {

    private static final Set<String> MESSAGE_ROLES = Set.of("system", "developer", "user", "assistant");
    private static final int MAX_METADATA_KEYS = 16;
    private static final int MAX_METADATA_KEY = 64;
    private static final int MAX_METADATA_VALUE = 512;

    /** A parsed request: the generation to run and what the response echoes. */
    public record Parsed(Generation generation, ResponseSettings settings) {
        public Parsed withGeneration(Generation g) {
            return new Parsed(g, settings);
        }
    }

    /**
     * A request checked except for its pictures ({@link ChatDraft}): what is left is to check them and count
     * their tiles (off the event loop), then the settings are echoed with the sampling values applied.
     */
    public record Draft(ChatDraft chat, Function<Generation, ResponseSettings> settings) {

        /** Checks the pictures with {@code intake} and completes; immediate for a text-only request. */
        public Uni<Parsed> resolve(ImageIntake intake) {
            return chat.resolve(intake).map(g -> new Parsed(g, settings.apply(g)));
        }

        /** Completes a request without pictures. */
        public Parsed complete() {
            Generation g = chat.complete(List.of());
            return new Parsed(g, settings.apply(g));
        }
    }

    private final RequestValidator validator;

    ResponsesRequestParser(RequestValidator validator) {
        this.validator = validator;
    }

    /** The HTTP edge's parse-and-check step: pure (no I/O, any thread); pictures are checked by {@link Draft#resolve}. */
    public Draft draft(ObjectMapper json, byte[] body, String requestId, long created) {
        return draft(WireJson.read(json, body, ResponseCreateRequest.class), requestId, created);
    }

    /** The body as the request record, its fields typed but not yet checked. */
    public ResponseCreateRequest read(ObjectMapper json, byte[] body) {
        return WireJson.read(json, body, ResponseCreateRequest.class);
    }

    /** A request without pictures, parsed and checked whole (for callers that take no pictures, and tests). */
    public Parsed parse(ObjectMapper json, byte[] body, String requestId, long created) {
        Draft d = draft(json, body, requestId, created);
        if (!d.chat().images().isEmpty()) {
            throw new InvalidRequest(d.chat().images().get(0).param(), "image parts are not accepted on this path",
                    "unsupported_content");
        }
        return d.complete();
    }

    public Draft draft(ResponseCreateRequest r, String requestId, long created) {
        return draft(r, List.of(), requestId, created);
    }

    /**
     * The request with the conversation it continues: {@code history} is the input and output items of the
     * earlier responses of its {@code previous_response_id} chain, oldest first, written into the prompt before
     * this request's input (their own {@code instructions} are not carried forward, as in OpenAI's API). The items
     * were checked when they were stored; should one fail all the same, the error names
     * {@code previous_response_id}.
     */
    public Draft draft(ResponseCreateRequest r, List<JsonNode> history, String requestId, long created) {
        refuseIf(present(r.conversation()), "conversation", "conversation objects are not supported; continue a "
                + "stored response with previous_response_id, or send the whole conversation as input",
                "unsupported_parameter");
        refuseIf(present(r.prompt()), "prompt", "prompt templates are not supported; send input and instructions",
                "unsupported_parameter");
        refuseIf(present(r.reasoning()), "reasoning", "reasoning settings are not supported: this model does not "
                + "reason; leave reasoning out or null", "unsupported_parameter");
        refuseIf(r.topLogprobs() != null && r.topLogprobs() != 0, "top_logprobs", "logprobs are not supported by "
                + "this model backend", "unsupported_parameter");
        refuseIf(r.truncation() != null && !"disabled".equals(r.truncation()), "truncation", "truncation must be "
                + "'disabled': this gateway never drops input to fit the context", "unsupported_value");
        checkInclude(r.include());
        checkText(r.text());
        ToolSet toolSet = validator.responsesTools(r.tools(), r.toolChoice(), r.parallelToolCalls());
        Map<String, String> metadata = metadata(r.metadata());

        List<ChatTurn> turns = new ArrayList<>();
        if (r.instructions() != null) {
            turns.add(new ChatTurn(Role.SYSTEM, validator.text(r.instructions(), "instructions")));
        }
        List<ImageSource> images = new ArrayList<>();
        input(history, r.input(), turns, images, validator.toolHistory(toolSet));
        boolean stream = Boolean.TRUE.equals(r.stream());
        ChatDraft chat = validator.conversation(r.model(), turns, images, toolSet, "input", r.maxOutputTokens(),
                "max_output_tokens", r.temperature(), r.topP(), stream, requestId, created);
        JsonNode toolChoice = r.toolChoice() == null || r.toolChoice().isNull() ? TextNode.valueOf("auto")
                : r.toolChoice();
        List<JsonNode> tools = echo(toolSet);
        boolean background = Boolean.TRUE.equals(r.background());
        refuseIf(background && Boolean.FALSE.equals(r.store()), "store", "background responses are stored: "
                + "background: true needs store true (or absent)", "invalid_value");
        return new Draft(chat, g -> new ResponseSettings(r.instructions(), r.maxOutputTokens(), toolSet.parallel(),
                g.sampling().temperature(), g.sampling().topP(), toolChoice, tools, r.user(), metadata,
                !Boolean.FALSE.equals(r.store()), background, r.previousResponseId()));
    }

    private void input(List<JsonNode> earlier, JsonNode input, List<ChatTurn> turns, List<ImageSource> images,
                       ToolHistory history) {
        if (input == null || input.isNull()) {
            throw new InvalidRequest("input", "input is required", "missing_required_parameter");
        }
        if (!input.isTextual() && !input.isArray()) {
            throw new InvalidRequest("input", "input must be a string or an array of input items", "invalid_type");
        }
        AssistantTurn assistant = new AssistantTurn(turns, history);
        for (JsonNode item : earlier) {
            item(item, "previous_response_id", turns, images, history, assistant);
        }
        if (input.isTextual()) {
            assistant.flush();
            turns.add(new ChatTurn(Role.USER, validator.text(input.textValue(), "input")));
            return;
        }
        for (int i = 0; i < input.size(); i++) {
            item(input.get(i), "input[" + i + "]", turns, images, history, assistant);
        }
        assistant.flush();
    }

    /** One input item, of this request ({@code at} is its path) or of the conversation it continues. */
    private void item(JsonNode item, String at, List<ChatTurn> turns, List<ImageSource> images, ToolHistory history,
                      AssistantTurn assistant) {
        if (!item.isObject()) {
            throw new InvalidRequest(at, at + " must be an object (an input item)", "invalid_type");
        }
        String type = item.has("type") ? textOf(item.get("type"), at + ".type") : "message";
        switch (type) {
            case "message" -> {
                ChatTurn turn = message(item, at, images);
                if (turn.role() == Role.ASSISTANT) {
                    assistant.text(turn.content());
                } else {
                    assistant.flush();
                    turns.add(turn);
                }
            }
            case "function_call" -> assistant.call(history.call(item.get("call_id"), item.get("name"),
                    item.get("arguments"), at + ".call_id", at + ".name", at + ".arguments"));
            case "function_call_output" -> {
                assistant.flush();
                JsonNode callId = item.get("call_id");
                if (callId != null && !callId.isNull() && !callId.isTextual()) {
                    throw new InvalidRequest(at + ".call_id", at + ".call_id must be a string", "invalid_type");
                }
                history.answers(callId == null || callId.isNull() ? null : callId.textValue(), at + ".call_id",
                        "a function_call_output answers one function_call by its call_id",
                        "an earlier function_call item");
                turns.add(new ChatTurn(Role.IPYTHON, output(item.get("output"), at + ".output")));
            }
            case "item_reference" -> throw new InvalidRequest(at + ".type", "item references are not supported; "
                    + "send the item itself, or continue a stored response with previous_response_id",
                    "unsupported_value");
            default -> throw new InvalidRequest(at + ".type", at + ".type '" + echo(type) + "' is not supported; "
                    + "input items may be 'message', 'function_call' or 'function_call_output'",
                    "unsupported_value");
        }
    }

    /**
     * The assistant's side of the history as one turn: a Responses answer is several output items (a message,
     * then its calls), which a client sends back as consecutive input items, while the model wrote them as one
     * turn — a chat completion's assistant message with {@code content} and {@code tool_calls}. So an assistant
     * message and the {@code function_call} items right after it are collected and written as that one turn.
     */
    private static final class AssistantTurn {
        private final List<ChatTurn> turns;
        private final ToolHistory history;
        private String text;
        private final List<ToolPrompt.Call> calls = new ArrayList<>();

        AssistantTurn(List<ChatTurn> turns, ToolHistory history) {
            this.turns = turns;
            this.history = history;
        }

        void text(String content) {
            flush(); // a second message is a turn of its own, as two assistant messages are in a chat
            text = content;
        }

        void call(ToolPrompt.Call call) {
            calls.add(call);
        }

        void flush() {
            if (text == null && calls.isEmpty()) {
                return;
            }
            String content = text == null ? "" : text;
            turns.add(ChatTurn.assistant(calls.isEmpty() ? content : history.assistant(content, List.copyOf(calls))));
            text = null;
            calls.clear();
        }
    }

    /** A function_call_output's {@code output}: a string, or text parts (joined, as a tool message's are). */
    private String output(JsonNode output, String at) {
        if (output == null || output.isNull()) {
            throw new InvalidRequest(at, at + " is required", "missing_required_parameter");
        }
        if (output.isTextual()) {
            return validator.text(output.textValue(), at);
        }
        if (!output.isArray()) {
            throw new InvalidRequest(at, at + " must be a string or an array of content parts", "invalid_type");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < output.size(); j++) {
            JsonNode part = output.get(j);
            String partAt = at + "[" + j + "]";
            if (!part.isObject()) {
                throw new InvalidRequest(partAt, partAt + " must be an object (a content part)", "invalid_type");
            }
            String type = textOf(part.get("type"), partAt + ".type");
            if (!"input_text".equals(type)) {
                throw new InvalidRequest(partAt + ".type", "a function_call_output's parts of type '" + echo(type)
                        + "' are not supported; only 'input_text' parts are", "unsupported_content");
            }
            text.append(validator.text(requireText(part, "text", partAt), partAt + ".text"));
        }
        return text.toString();
    }

    /** A message item: {@code role} and {@code content}, a string or a list of parts. */
    private ChatTurn message(JsonNode item, String at, List<ImageSource> images) {
        String role = requireText(item, "role", at);
        if (!MESSAGE_ROLES.contains(role)) {
            throw new InvalidRequest(at + ".role", at + ".role '" + echo(role) + "' is not one of system, developer, "
                    + "user, assistant", "invalid_value");
        }
        Role turnRole = Role.fromWire(role).orElseThrow();
        JsonNode content = item.get("content");
        String contentAt = at + ".content";
        if (content == null || content.isNull()) {
            throw new InvalidRequest(contentAt, contentAt + " is required", "missing_required_parameter");
        }
        if (content.isTextual()) {
            return new ChatTurn(turnRole, validator.text(content.textValue(), contentAt));
        }
        if (!content.isArray()) {
            throw new InvalidRequest(contentAt, contentAt + " must be a string or an array of content parts",
                    "invalid_type");
        }
        StringBuilder text = new StringBuilder();
        List<Integer> imageAt = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = contentAt + "[" + j + "]";
            if (!part.isObject()) {
                throw new InvalidRequest(partAt, partAt + " must be an object (a content part)", "invalid_type");
            }
            String type = textOf(part.get("type"), partAt + ".type");
            switch (type) {
                // output_text (and refusal) parts are how clients send an earlier answer back as input.
                case "input_text", "output_text" -> text.append(validator.text(requireText(part, "text", partAt),
                        partAt + ".text"));
                case "refusal" -> text.append(validator.text(requireText(part, "refusal", partAt),
                        partAt + ".refusal"));
                case "input_image" -> {
                    // Each part is guarded on its own, so the text's length here is where the picture stands.
                    images.add(validator.image(imageUrl(part, partAt), partAt + ".image_url", turnRole,
                            images.size()));
                    imageAt.add(text.length());
                }
                case "input_file", "input_audio" -> throw new InvalidRequest(partAt + ".type",
                        "content parts of type '" + type + "' are not supported; only text and image parts are",
                        "unsupported_content");
                default -> throw new InvalidRequest(partAt + ".type", partAt + ".type must be 'input_text' or "
                        + "'input_image', got '" + echo(type) + "'", "invalid_value");
            }
        }
        return new ChatTurn(turnRole, text.toString(), imageAt);
    }

    /**
     * An {@code input_image} part's picture in chat's {@code image_url} shape ({@code {"url": …}}), so that it
     * takes the chat completions' image path: {@code image_url} is a URL string (OpenAI's shape) or an object
     * with a {@code url}; {@code detail} is checked and has no effect (Llama 4's tiling is fixed by the
     * picture's size). A {@code file_id} names a stored file, and files are not stored here.
     */
    private static JsonNode imageUrl(JsonNode part, String partAt) {
        String param = partAt + ".image_url";
        JsonNode url = part.get("image_url");
        if ((url == null || url.isNull()) && part.hasNonNull("file_id")) {
            throw new InvalidRequest(partAt + ".file_id", "file ids are not supported: files are not stored on this "
                    + "gateway; send the picture as a data: URI in image_url", "unsupported_value");
        }
        JsonNode detail = part.get("detail");
        if (detail != null && !detail.isNull() && !(detail.isTextual()
                && Set.of("auto", "low", "high", "original").contains(detail.textValue()))) {
            throw new InvalidRequest(partAt + ".detail", partAt + ".detail must be one of auto, low, high, original",
                    "invalid_value");
        }
        if (url == null || url.isNull()) {
            throw new InvalidRequest(param, param + " is required", "missing_required_parameter");
        }
        if (url.isObject()) {
            return url;
        }
        if (!url.isTextual() || url.textValue().isEmpty()) {
            throw new InvalidRequest(param, param + " must be a non-empty string (a data: URI)", "invalid_type");
        }
        return JsonNodeFactory.instance.objectNode().put("url", url.textValue());
    }

    /**
     * The tools as the response echoes them: OpenAI's function tool shape with the values applied (no
     * {@code parameters} means an empty parameter list; {@code strict} is false unless asked for).
     */
    private static List<JsonNode> echo(ToolSet toolSet) {
        List<JsonNode> out = new ArrayList<>(toolSet.tools().size());
        for (ToolDefinition t : toolSet.tools()) {
            ObjectNode tool = JsonNodeFactory.instance.objectNode();
            tool.put("type", "function");
            tool.put("name", t.name());
            tool.put("description", t.description().orElse(null));
            tool.set("parameters", t.parameters());
            tool.put("strict", t.strict());
            out.add(tool);
        }
        return out;
    }

    private static void checkInclude(JsonNode include) {
        if (include == null || include.isNull()) {
            return;
        }
        if (!include.isArray()) {
            throw new InvalidRequest("include", "include must be an array", "invalid_type");
        }
        if (!include.isEmpty()) {
            throw new InvalidRequest("include", "include must be empty: this gateway has none of the extra outputs "
                    + "include asks for (got '" + echo(include.get(0).asText()) + "')", "unsupported_value");
        }
    }

    /** {@code text.format} of type text is the only output format; {@code verbosity} is a hint and ignored. */
    private static void checkText(JsonNode text) {
        if (text == null || text.isNull()) {
            return;
        }
        if (!text.isObject()) {
            throw new InvalidRequest("text", "text must be an object", "invalid_type");
        }
        JsonNode format = text.get("format");
        if (format == null || format.isNull()) {
            return;
        }
        if (!format.isObject()) {
            throw new InvalidRequest("text.format", "text.format must be an object", "invalid_type");
        }
        String type = textOf(format.get("type"), "text.format.type");
        refuseIf(!"text".equals(type), "text.format", "text.format of type '" + echo(type) + "' is not supported "
                + "yet; only 'text' is", "unsupported_value");
    }

    /** OpenAI's metadata: at most 16 string pairs, keys up to 64 and values up to 512 characters. */
    private static Map<String, String> metadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return Map.of();
        }
        if (!metadata.isObject()) {
            throw new InvalidRequest("metadata", "metadata must be an object of strings", "invalid_type");
        }
        refuseIf(metadata.size() > MAX_METADATA_KEYS, "metadata", "metadata may have at most " + MAX_METADATA_KEYS
                + " keys, got " + metadata.size(), "invalid_value");
        Map<String, String> out = new LinkedHashMap<>();
        metadata.fields().forEachRemaining(e -> {
            String at = "metadata." + echo(e.getKey());
            refuseIf(e.getKey().length() > MAX_METADATA_KEY, at, "metadata keys may be at most " + MAX_METADATA_KEY
                    + " characters", "invalid_value");
            if (!e.getValue().isTextual()) {
                throw new InvalidRequest(at, at + " must be a string", "invalid_type");
            }
            refuseIf(e.getValue().textValue().length() > MAX_METADATA_VALUE, at, "metadata values may be at most "
                    + MAX_METADATA_VALUE + " characters", "invalid_value");
            out.put(e.getKey(), e.getValue().textValue());
        });
        return out;
    }

    private static String requireText(JsonNode node, String field, String at) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new InvalidRequest(at + "." + field, at + "." + field + " is required", "missing_required_parameter");
        }
        return textOf(value, at + "." + field);
    }

    private static String textOf(JsonNode value, String param) {
        if (value == null || value.isNull()) {
            throw new InvalidRequest(param, param + " is required", "missing_required_parameter");
        }
        if (!value.isTextual()) {
            throw new InvalidRequest(param, param + " must be a string", "invalid_type");
        }
        return value.textValue();
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !(node.isContainerNode() && node.isEmpty());
    }

    private static String echo(String value) {
        String v = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return v.replaceAll("[\\uD800-\\uDFFF]", "?");
    }

    private static void refuseIf(boolean condition, String param, String message, String code) {
        if (condition) {
            throw new InvalidRequest(param, message, code);
        }
    }
}
