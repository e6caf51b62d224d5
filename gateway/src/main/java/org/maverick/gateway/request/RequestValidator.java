package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.protocol.ChatCompletionRequest;
import org.maverick.gateway.protocol.ChatCompletionRequest.ChatMessage;
import org.maverick.gateway.protocol.CompletionRequest;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;
import org.maverick.gateway.generation.GatewayException.ModelNotFound;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.prompt.ChatTurn;
import org.maverick.gateway.prompt.Llama4ChatTemplate;
import org.maverick.gateway.prompt.Role;
import org.maverick.gateway.prompt.Segment;
import org.maverick.gateway.prompt.SpecialTokens;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.tools.ToolHistory;
import org.maverick.gateway.tools.ToolPrompt;
import org.maverick.gateway.tools.ToolRequests;
import org.maverick.gateway.tools.ToolSet;

import jakarta.inject.Inject;
import org.maverick.gateway.image.CheckedImage;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.image.ImageSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The one place an OpenAI request becomes a {@link Generation}: defaults applied, limits checked,
 * the Llama 4 template rendered and the prompt counted. Every refusal is an {@link InvalidRequest}
 * naming the field ({@code param}) and the rule, or a {@link ModelNotFound}.
 */
@ApplicationScoped
public class RequestValidator {

    private final GatewayConfig.Model model;
    private final GatewayConfig.Prompt promptConfig;
    private final Llama4ChatTemplate template;
    private final TokenCounter tokens;
    private final SpecialTokens specials = SpecialTokens.llama4();
    private final Generation.Dispatch dispatch;
    private final ToolRequests toolRequests;
    private final ToolPrompt toolPrompt;

    /**
     * The caller a generation has until the edge sets the authenticated tenant ({@link Generation#withCaller});
     * also the tenant of every request when API keys are off.
     */
    public static final String ANONYMOUS = "anonymous";

    /** Checks and decodes image parts; null where pictures are not configured (some unit tests). */
    private final ImageIntake images;

    RequestValidator(GatewayConfig config, Llama4ChatTemplate template, TokenCounter tokens) {
        this(config, template, tokens, null);
    }

    @Inject
    RequestValidator(GatewayConfig config, Llama4ChatTemplate template, TokenCounter tokens, ImageIntake images) {
        this.images = images;
        this.model = config.model();
        this.promptConfig = config.prompt();
        this.template = template;
        this.tokens = tokens;
        this.toolRequests = new ToolRequests(config.tools().style(), config.tools().maxDefinitionChars());
        this.toolPrompt = new ToolPrompt(config.tools().style());
        this.dispatch = config.mode() == GatewayConfig.Mode.QUEUED ? Generation.Dispatch.QUEUED
                : Generation.Dispatch.DIRECT;
    }

    /**
     * The HTTP edge's whole parse-and-validate step for a chat body: pure (no I/O, any thread), so tests
     * can drive it with generated bodies. Throws only {@link InvalidRequest} or {@link ModelNotFound}.
     */
    public Generation chat(ObjectMapper json, byte[] body, String requestId, long created) {
        return chat(WireJson.read(json, body, ChatCompletionRequest.class), requestId, created);
    }

    /** The same for a (legacy) completion body. */
    public Generation completion(ObjectMapper json, byte[] body, String requestId, long created) {
        return completion(WireJson.read(json, body, CompletionRequest.class), requestId, created);
    }

    /**
     * A chat request already parsed as a tree (the {@code request} field of a Kafka request record),
     * read with the same strict types as an HTTP body: {@code "stream":"true"} is refused naming
     * {@code stream} wherever the request comes from.
     */
    public Generation chat(ObjectMapper json, com.fasterxml.jackson.databind.JsonNode request, String requestId,
                           long created) {
        return chat(WireJson.read(json, request, ChatCompletionRequest.class), requestId, created);
    }

    /** The same for a (legacy) completion request. */
    public Generation completion(ObjectMapper json, com.fasterxml.jackson.databind.JsonNode request, String requestId,
                                 long created) {
        return completion(WireJson.read(json, request, CompletionRequest.class), requestId, created);
    }

    /**
     * A chat request validated at once, for callers that cannot wait for pictures to be checked (tests and
     * tools): an image part is refused naming it. Every edge (HTTP, the WebSocket, the Kafka worker) uses
     * {@link #chatDraft}, which checks and counts pictures off the calling thread.
     */
    public Generation chat(ChatCompletionRequest r, String requestId, long created) {
        ChatDraft draft = draft(r, requestId, created);
        if (!draft.images().isEmpty()) {
            throw new InvalidRequest(draft.images().get(0).param(), "image parts need their pictures checked "
                    + "(RequestValidator.chatDraft); this synchronous path takes text only", "unsupported_content");
        }
        return draft.complete(List.of());
    }

    /**
     * The HTTP edge's parse-and-validate step for a chat body that may carry pictures: everything but
     * the pictures' pixels is checked here (pure, any thread); {@link ChatDraft#complete} counts the
     * checked pictures into the prompt and applies the context check.
     */
    public ChatDraft chatDraft(ObjectMapper json, byte[] body, String requestId, long created) {
        return draft(WireJson.read(json, body, ChatCompletionRequest.class), requestId, created);
    }

    /**
     * The same for a chat request already parsed as a tree: a WebSocket {@code create} message's
     * {@code request}, or the {@code request} of a Kafka caller's record, read with the same strict types.
     */
    public ChatDraft chatDraft(ObjectMapper json, JsonNode request, String requestId, long created) {
        return draft(WireJson.read(json, request, ChatCompletionRequest.class), requestId, created);
    }

    private ChatDraft draft(ChatCompletionRequest r, String requestId, long created) {
        FieldTypes.check(r);
        checkModel(r.model());
        refuseIf(r.n() != null && r.n() != 1, "n", "n must be 1: this gateway returns one choice per request",
                "unsupported_value");
        refuseIf(Boolean.TRUE.equals(r.logprobs()) || r.topLogprobs() != null, "logprobs",
                "logprobs are not supported by this model backend", "unsupported_parameter");
        ToolSet toolSet = toolRequests.read(r.tools(), r.toolChoice(), r.parallelToolCalls(), r.functions(),
                r.functionCall());
        refuseIf(present(r.audio()), "audio", "audio output is not supported", "unsupported_parameter");
        refuseIf(r.modalities() != null && r.modalities().stream().anyMatch(m -> !"text".equals(m)), "modalities",
                "only the text modality is supported", "unsupported_value");
        checkLogitBias(r.logitBias());
        checkResponseFormat(r.responseFormat());

        List<ImageSource> sources = new ArrayList<>();
        List<ChatTurn> turns = turns(r.messages(), new ToolHistory(toolPrompt, toolSet), sources);
        return draft(turns, toolSet, sources, (prompt, promptTokens, uris) ->
                chatGeneration(r, requestId, created, prompt, promptTokens, uris));
    }

    /** Makes the generation of a prompt once its pictures are checked and counted into it. */
    private interface Completing {
        Generation generation(String prompt, int promptTokens, List<String> imageUris);
    }

    /**
     * The prompt of {@code turns} with the tools placed and the prefill written, counted; its pictures are
     * checked later, and {@code completing} makes the generation once they are counted in.
     */
    private ChatDraft draft(List<ChatTurn> turns, ToolSet toolSet, List<ImageSource> images, Completing completing) {
        List<Segment> segments = new ArrayList<>(template.segments(toolPrompt.place(turns, toolSet)));
        String prefill = toolPrompt.prefill(toolSet);
        if (!prefill.isEmpty()) {
            segments.add(Segment.text(prefill)); // the assistant turn starts inside a call (tool_choice)
        }
        int textTokens = tokens.countPrompt(segments);
        String prompt = Segment.join(segments);
        return new ChatDraft(images, checked -> {
            // Each <|image|> was counted as one token; the engine expands it into the picture's tiles.
            int promptTokens = textTokens;
            List<String> uris = new ArrayList<>(checked.size());
            for (CheckedImage image : checked) {
                promptTokens += image.tokens() - 1;
                uris.add(image.dataUri());
            }
            return completing.generation(prompt, promptTokens, uris).withTools(toolPrompt.use(toolSet));
        });
    }

    private Generation chatGeneration(ChatCompletionRequest r, String requestId, long created, String prompt,
                                      int promptTokens, List<String> imageUris) {
        Integer maxTokens = r.maxCompletionTokens() != null ? r.maxCompletionTokens() : r.maxTokens();
        String maxTokensParam = r.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        Generation.Sampling sampling = sampling(maxTokens, maxTokensParam, promptTokens, "messages", r.temperature(),
                r.topP(), r.presencePenalty(), r.frequencyPenalty(), r.seed());
        boolean stream = Boolean.TRUE.equals(r.stream());
        return new Generation(requestId, model.id(), Generation.Kind.CHAT, prompt, promptTokens,
                tokens.exact(), sampling, stops(r.stop()), stream, includeUsage(stream, r.streamOptions()), created,
                dispatch, ANONYMOUS, imageUris);
    }

    public Generation completion(CompletionRequest r, String requestId, long created) {
        FieldTypes.check(r);
        checkModel(r.model());
        refuseIf(r.n() != null && r.n() != 1, "n", "n must be 1: this gateway returns one choice per request",
                "unsupported_value");
        refuseIf(r.bestOf() != null && r.bestOf() != 1, "best_of", "best_of must be 1", "unsupported_value");
        refuseIf(r.logprobs() != null, "logprobs", "logprobs are not supported by this model backend",
                "unsupported_parameter");
        refuseIf(Boolean.TRUE.equals(r.echo()), "echo", "echo is not supported", "unsupported_parameter");
        refuseIf(r.suffix() != null && !r.suffix().isEmpty(), "suffix", "suffix is not supported",
                "unsupported_parameter");
        checkLogitBias(r.logitBias());
        String prompt = rawPrompt(r.prompt());
        int promptTokens = tokens.countPrompt(specials.segments(prompt));
        Generation.Sampling sampling = sampling(r.maxTokens(), "max_tokens", promptTokens, "prompt", r.temperature(),
                r.topP(), r.presencePenalty(), r.frequencyPenalty(), r.seed());
        boolean stream = Boolean.TRUE.equals(r.stream());
        return new Generation(requestId, model.id(), Generation.Kind.COMPLETION, prompt, promptTokens, tokens.exact(),
                sampling, stops(r.stop()), stream, includeUsage(stream, r.streamOptions()), created, dispatch,
                ANONYMOUS);
    }

    /**
     * A conversation another API's parser (the Responses API's) already turned into chat turns: the model
     * checked, the turns' count limited, the tools placed and the assistant turn prefilled, the Llama 4 template
     * applied, the prompt counted and the sampling limits checked exactly as for a chat completion, with the
     * parameter names of that API in every refusal. The turns' text must have passed {@link #text}, their tool
     * calls and results {@link #toolHistory}. The result is a chat generation, so it runs, queues, is traced and
     * measured as one, and its output is parsed for calls as a chat completion's is.
     */
    public ChatDraft conversation(String requestedModel, List<ChatTurn> turns, List<ImageSource> images,
                                  ToolSet toolSet, String turnsParam, Integer maxTokens, String maxTokensParam,
                                  Double temperature, Double topP, boolean stream, String requestId, long created) {
        checkModel(requestedModel);
        refuseIf(turns.isEmpty(), turnsParam, turnsParam + " must not be empty", "missing_required_parameter");
        refuseIf(turns.size() > promptConfig.maxMessages(), turnsParam, "at most " + promptConfig.maxMessages()
                + " messages are allowed, got " + turns.size(), "too_many_messages");
        return draft(turns, toolSet, images, (prompt, promptTokens, uris) -> {
            Generation.Sampling sampling = sampling(maxTokens, maxTokensParam, promptTokens, turnsParam, temperature,
                    topP, null, null, null);
            return new Generation(requestId, model.id(), Generation.Kind.CHAT, prompt, promptTokens, tokens.exact(),
                    sampling, List.of(), stream, false, created, dispatch, ANONYMOUS, uris);
        });
    }

    /**
     * A picture of another API's message, its value given in chat's {@code image_url} shape
     * ({@code {"url": …}}): checked as a chat completion's image part is (only users send pictures, within the
     * per-request count, to a model that takes them).
     *
     * @param param  the field that holds the picture, named in refusals
     * @param before how many pictures the request had before this one
     */
    public ImageSource image(JsonNode imageUrl, String param, Role role, int before) {
        if (images == null) {
            throw new InvalidRequest(param, "image parts are not accepted by this gateway", "unsupported_content");
        }
        if (role != Role.USER) {
            throw new InvalidRequest(param, "only user messages may carry image parts", "unsupported_content");
        }
        if (before == 0) {
            images.requireImageModel(param);
        }
        int max = images.limits().maxPerRequest();
        if (before >= max) {
            throw new InvalidRequest(param, "at most " + max + " images are allowed per request "
                    + "(gateway.images.max-per-request)", "too_many_images");
        }
        return images.source(imageUrl, param);
    }

    /**
     * The Responses API's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}, read by the same
     * rules as a chat completion's (refusals name the Responses fields).
     */
    public ToolSet responsesTools(JsonNode tools, JsonNode toolChoice, Boolean parallel) {
        return toolRequests.readResponses(tools, toolChoice, parallel);
    }

    /** The checker and writer of one request's tool calls and results, in this gateway's tool style. */
    public ToolHistory toolHistory(ToolSet toolSet) {
        return new ToolHistory(toolPrompt, toolSet);
    }

    /** Message text from another API's parser, checked as chat content is: well-formed, no special tokens. */
    public String text(String text, String param) {
        return guarded(text, param);
    }

    private void checkModel(String requested) {
        if (requested == null || requested.isBlank()) {
            throw new InvalidRequest("model", "you must provide a model parameter", "missing_required_parameter");
        }
        if (!model.id().equals(requested)) {
            throw new ModelNotFound(echo(requested));
        }
    }

    private List<ChatTurn> turns(List<ChatMessage> messages, ToolHistory history, List<ImageSource> sources) {
        if (messages == null || messages.isEmpty()) {
            throw new InvalidRequest("messages", "messages must be a non-empty array", "missing_required_parameter");
        }
        if (messages.size() > promptConfig.maxMessages()) {
            throw new InvalidRequest("messages", "at most " + promptConfig.maxMessages() + " messages are allowed, got "
                    + messages.size(), "too_many_messages");
        }
        List<ChatTurn> turns = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            String at = "messages[" + i + "]";
            if (m == null) {
                throw new InvalidRequest(at, at + " must be an object with a role and content");
            }
            if (m.role() == null) {
                throw new InvalidRequest(at + ".role", at + ".role is required", "missing_required_parameter");
            }
            Role role = Role.fromWire(m.role()).orElseThrow(() -> new InvalidRequest(at + ".role",
                    at + ".role '" + echo(m.role()) + "' is not one of system, developer, user, assistant, tool"));
            if (role == Role.ASSISTANT && present(m.toolCalls())) {
                List<Integer> noImages = new ArrayList<>();
                String text = m.content() == null || m.content().isNull() ? ""
                        : guardedParts(content(m.content(), at, role, sources, noImages), at + ".content", noImages);
                turns.add(ChatTurn.assistant(history.assistant(text, m.toolCalls(), at)));
                continue;
            }
            refuseIf(present(m.toolCalls()), at + ".tool_calls", "only assistant messages carry tool_calls",
                    "invalid_value");
            if ("tool".equals(m.role())) {
                history.toolResult(m.toolCallId(), at);
            }
            List<Integer> imageAt = new ArrayList<>();
            String text = guardedParts(content(m.content(), at, role, sources, imageAt), at + ".content", imageAt);
            turns.add(new ChatTurn(role, text, imageAt));
        }
        return turns;
    }

    private String content(JsonNode content, String at, Role role, List<ImageSource> sources,
                           List<Integer> imageAt) {
        if (content == null || content.isNull()) {
            throw new InvalidRequest(at + ".content", at + ".content is required", "missing_required_parameter");
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw FieldTypes.wrongType(at + ".content", "a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = at + ".content[" + j + "]";
            if (!part.isObject()) {
                throw FieldTypes.wrongType(partAt, "a content part object");
            }
            if (part.has("type") && !part.get("type").isTextual()) {
                throw FieldTypes.wrongType(partAt + ".type", "a string");
            }
            String type = part.path("type").asText("");
            switch (type) {
                case "text":
                    if (!part.path("text").isTextual()) {
                        throw FieldTypes.wrongType(partAt + ".text", "a string");
                    }
                    text.append(part.get("text").textValue());
                    break;
                case "image_url":
                    sources.add(imagePart(part, partAt, role, sources.size()));
                    imageAt.add(text.length());
                    break;
                case "input_audio":
                case "file":
                    throw new InvalidRequest(partAt + ".type", "content parts of type '" + type
                            + "' are not supported; only 'text' and 'image_url' parts are", "unsupported_content");
                default:
                    throw new InvalidRequest(partAt + ".type", partAt + ".type must be 'text' or 'image_url', got '"
                            + type + "'");
            }
        }
        return text.toString();
    }

    /** One {@code image_url} part. */
    private ImageSource imagePart(JsonNode part, String partAt, Role role, int before) {
        return image(part.get("image_url"), partAt + ".image_url", role, before);
    }

    /**
     * {@link #guarded} for a message whose pictures sit at offsets of its text: a stripped special token
     * moves the offsets after it, so each text run between pictures is guarded on its own.
     */
    private String guardedParts(String text, String param, List<Integer> imageAt) {
        if (imageAt.isEmpty()) {
            return guarded(text, param);
        }
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        for (int i = 0; i < imageAt.size(); i++) {
            out.append(guarded(text.substring(from, imageAt.get(i)), param));
            from = imageAt.get(i);
            imageAt.set(i, out.length());
        }
        out.append(guarded(text.substring(from), param));
        return out.toString();
    }

    /** Special-token strings in user text would act as control tokens in the engine's tokenizer. */
    private String guarded(String text, String param) {
        requireWellFormed(text, param);
        Optional<String> special = specials.firstIn(text);
        if (special.isEmpty()) {
            return text;
        }
        if (promptConfig.specialTokens() == GatewayConfig.SpecialTokenPolicy.STRIP) {
            return specials.strip(text);
        }
        throw new InvalidRequest(param, param + " contains the special token '" + special.get()
                + "', which is reserved for the chat template", "special_token_in_content");
    }

    private String rawPrompt(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw new InvalidRequest("prompt", "prompt is required", "missing_required_parameter");
        }
        String text;
        if (prompt.isTextual()) {
            text = prompt.textValue();
        } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            text = prompt.get(0).textValue();
        } else if (prompt.isArray() && prompt.size() > 1 && allText(prompt)) {
            throw new InvalidRequest("prompt", "one prompt per request is supported, got " + prompt.size(),
                    "unsupported_value");
        } else if (!prompt.isArray()) {
            throw FieldTypes.wrongType("prompt", "a string");
        } else {
            throw new InvalidRequest("prompt", "prompt must be a string (token-id prompts are not supported)");
        }
        if (text.isEmpty()) {
            throw new InvalidRequest("prompt", "prompt must not be empty");
        }
        requireWellFormed(text, "prompt");
        // The engine adds BOS itself unless the template is told to write it: never send two.
        if (!promptConfig.writeBos() && text.startsWith(SpecialTokens.BEGIN_OF_TEXT)) {
            text = text.substring(SpecialTokens.BEGIN_OF_TEXT.length());
        }
        return text;
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private Generation.Sampling sampling(Integer maxTokens, String maxTokensParam, int promptTokens, String promptParam,
                                         Double temperature, Double topP, Double presence, Double frequency,
                                         Long seed) {
        int room = model.contextLength() - promptTokens;
        if (room <= 0) {
            throw new InvalidRequest(promptParam, "the prompt is " + promptTokens + " tokens, which leaves no room in "
                    + "this model's context of " + model.contextLength() + " tokens", "context_length_exceeded");
        }
        int max;
        if (maxTokens == null) {
            max = Math.min(Math.min(model.defaultMaxTokens(), model.maxOutputTokens()), room);
        } else {
            refuseIf(maxTokens < 1, maxTokensParam, maxTokensParam + " must be at least 1, got " + maxTokens,
                    "invalid_value");
            refuseIf(maxTokens > model.maxOutputTokens(), maxTokensParam, maxTokensParam + " must be at most "
                    + model.maxOutputTokens() + ", got " + maxTokens, "invalid_value");
            refuseIf(maxTokens > room, maxTokensParam, "the prompt (" + promptTokens + " tokens) plus " + maxTokensParam
                    + " (" + maxTokens + ") exceeds this model's context of " + model.contextLength() + " tokens",
                    "context_length_exceeded");
            max = maxTokens;
        }
        double t = range(temperature, model.defaultTemperature(), 0, 2, "temperature");
        double p = range(topP, model.defaultTopP(), 0, 1, "top_p");
        refuseIf(p == 0, "top_p", "top_p must be greater than 0", "invalid_value");
        double pp = range(presence, 0, -2, 2, "presence_penalty");
        double fp = range(frequency, 0, -2, 2, "frequency_penalty");
        refuseIf(seed != null && seed < 0, "seed", "seed must be a non-negative integer", "invalid_value");
        return new Generation.Sampling(max, t, p, pp, fp, seed == null ? OptionalLong.empty() : OptionalLong.of(seed));
    }

    private static double range(Double value, double dflt, double min, double max, String param) {
        if (value == null) {
            return dflt;
        }
        if (value.isNaN() || value < min || value > max) {
            throw new InvalidRequest(param, param + " must be between " + trim(min) + " and " + trim(max) + ", got "
                    + value, "invalid_value");
        }
        return value;
    }

    private List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        List<String> stops = new ArrayList<>();
        if (stop.isTextual()) {
            stops.add(stop.textValue());
        } else if (stop.isArray()) {
            for (int i = 0; i < stop.size(); i++) {
                if (!stop.get(i).isTextual()) {
                    throw FieldTypes.wrongType("stop[" + i + "]", "a string");
                }
                stops.add(stop.get(i).textValue());
            }
        } else {
            throw FieldTypes.wrongType("stop", "a string or an array of strings");
        }
        refuseIf(stops.size() > promptConfig.maxStopStrings(), "stop", "at most " + promptConfig.maxStopStrings()
                + " stop sequences are allowed, got " + stops.size(), "invalid_value");
        refuseIf(stops.stream().anyMatch(String::isEmpty), "stop", "stop sequences must not be empty", "invalid_value");
        stops.forEach(s -> requireWellFormed(s, "stop"));
        return stops;
    }

    private static boolean includeUsage(boolean stream, ChatCompletionRequest.StreamOptions options) {
        if (options == null) {
            return false;
        }
        refuseIf(!stream, "stream_options", "stream_options is only allowed when stream is true", "invalid_value");
        return Boolean.TRUE.equals(options.includeUsage());
    }

    /** Type-checked already ({@link FieldTypes}): an object of numbers; an empty one asks for nothing. */
    private static void checkLogitBias(JsonNode logitBias) {
        refuseIf(present(logitBias), "logit_bias", "logit_bias is not supported by this model backend",
                "unsupported_parameter");
    }

    private static void checkResponseFormat(JsonNode format) {
        if (format != null && !format.isNull()) {
            String type = format.path("type").asText("");
            refuseIf(!"text".equals(type), "response_format", "response_format of type '" + type
                    + "' is not supported yet; only 'text' is", "unsupported_value");
        }
    }

    /**
     * JSON may carry a lone UTF-16 surrogate as an escape ({@code "\\ud800"}); it is no Unicode text, has no
     * UTF-8 form for the engine or for Kafka's JSON, and so is refused here, naming the field, rather than
     * turned into '?' or a failure downstream. (Raw bytes that are not UTF-8 never get this far: the
     * parser refuses them as {@code invalid_json}.)
     */
    private static void requireWellFormed(String text, String param) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidRequest(param, param + " contains an unpaired UTF-16 surrogate (\\u"
                        + Integer.toHexString(c) + " at character " + i + "); send well-formed Unicode text",
                        "invalid_value");
            }
        }
    }

    /** A client's value quoted in an error message: short, and without surrogates that would not encode. */
    static String echo(String value) {
        String v = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return v.replaceAll("[\\uD800-\\uDFFF]", "?");
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !(node.isContainerNode() && node.isEmpty());
    }

    private static void refuseIf(boolean condition, String param, String message, String code) {
        if (condition) {
            throw new InvalidRequest(param, message, code);
        }
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
