package org.maverick.gateway.queue;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.ToolUse;

import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The queued form of a request an instance has already validated, rendered, counted and admitted:
 * kind {@code prevalidated} on the requests topic, its {@code generation} signed with the secret all
 * instances share ({@link Signer}). A worker that verifies the signature runs exactly that generation
 * without rendering or counting the prompt again and without a second admission; anything else on the
 * requests topic (an event-driven caller's plain request, a record whose signature does not verify) is
 * validated in full. So the signature, not a header anyone could set, is what makes a record trusted.
 *
 * <p>The signature covers the request id, both timestamps and the generation as this class writes it:
 * the worker re-writes the generation it read with the same record type and compares, so field order
 * and number formatting on the wire do not matter. New capabilities (tool definitions, images) add
 * fields to {@link Form}; {@link Form#version} changes only when a field changes meaning.
 */
@ApplicationScoped
public class PrevalidatedRequests {

    public static final String KIND = "prevalidated";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final Signer signer;
    private final ObjectMapper json;
    /** Writes what is signed: map entries by key, so that neither side's map order changes the bytes. */
    private final ObjectMapper canonical;

    public PrevalidatedRequests(Signer signer, ObjectMapper json) {
        this.signer = signer;
        this.json = json;
        this.canonical = json.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    }

    /**
     * A validated generation as the engine will see it.
     *
     * @param api which OpenAI endpoint the client called ({@code chat} or {@code completion}); only the
     *            edge shapes the answer, so this is for operators reading the topic
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Form(
            int version,
            String model,
            String api,
            String prompt,
            @JsonProperty("prompt_tokens") int promptTokens,
            @JsonProperty("exact_tokens") boolean exactTokens,
            @JsonProperty("max_tokens") int maxTokens,
            double temperature,
            @JsonProperty("top_p") double topP,
            @JsonProperty("presence_penalty") double presencePenalty,
            @JsonProperty("frequency_penalty") double frequencyPenalty,
            Long seed,
            List<String> stop,
            String caller,
            @JsonProperty("tool_use") Messages.ToolUseBody toolUse,
            List<String> images) {

        public static final int VERSION = 1;

        static Form of(Generation g) {
            var s = g.sampling();
            return new Form(VERSION, g.modelId(), g.kind() == Generation.Kind.CHAT ? "chat" : "completion",
                    g.prompt(), g.promptTokens(), g.exactTokens(), s.maxTokens(), s.temperature(), s.topP(),
                    s.presencePenalty(), s.frequencyPenalty(), s.seed().isPresent() ? s.seed().getAsLong() : null,
                    g.stop(), g.caller(), g.tools().enabled() ? Messages.ToolUseBody.of(g.tools()) : null,
                    g.images().isEmpty() ? null : g.images());
        }

        /** The generation a worker runs: streamed as events, straight on Triton. */
        Generation toGeneration(String requestId, long createdEpochSeconds) {
            var sampling = new Generation.Sampling(maxTokens, temperature, topP, presencePenalty, frequencyPenalty,
                    seed == null ? OptionalLong.empty() : OptionalLong.of(seed));
            return new Generation(requestId, model, "chat".equals(api) ? Generation.Kind.CHAT
                    : Generation.Kind.COMPLETION, prompt, promptTokens, exactTokens, sampling,
                    stop == null ? List.of() : stop, true, false, createdEpochSeconds, Generation.Dispatch.DIRECT,
                    caller, toolUse == null ? ToolUse.NONE : toolUse.toToolUse(), images == null ? List.of() : images);
        }
    }

    /** What the signature covers. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Signed(@JsonProperty("request_id") String requestId, @JsonProperty("created_at") long createdAt,
                  @JsonProperty("deadline_at") Long deadlineAt, Form generation) {
    }

    /** The record value for the requests topic (schema {@code generation-request.v1}, kind {@code prevalidated}). */
    public byte[] encode(Generation g, long createdAt, long deadlineAt) {
        Form form = Form.of(g);
        ObjectNode message = json.createObjectNode();
        message.put("version", Messages.VERSION);
        message.put("request_id", g.requestId());
        message.put("created_at", createdAt);
        message.put("deadline_at", deadlineAt);
        message.put("kind", KIND);
        message.set("generation", json.valueToTree(form));
        message.put("signature", B64.encodeToString(signer.sign(signedBytes(g.requestId(), createdAt, deadlineAt,
                form))));
        try {
            return json.writeValueAsBytes(message);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write a queued request", e);
        }
    }

    /**
     * The generation of a {@code prevalidated} record, trusted when its signature verifies. An untrusted
     * one comes back as its {@link #asPlainCompletion plain completion} for full validation instead.
     *
     * @throws IllegalArgumentException when the record has no readable generation
     */
    public Optional<Generation> verify(Messages.Request request) {
        Form form = form(request);
        byte[] signature;
        try {
            signature = request.signature() == null ? null : B64D.decode(request.signature());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (form.version() != Form.VERSION || form.caller() == null || form.model() == null || form.prompt() == null
                || !signer.verify(signedBytes(request.requestId(), request.createdAt(), request.deadlineAt(), form),
                signature)) {
            return Optional.empty();
        }
        return Optional.of(form.toGeneration(request.requestId(), request.createdAt() / 1000));
    }

    /**
     * The record's generation as an OpenAI completion request, for a worker that cannot trust it: the
     * prompt and limits are validated and counted again like any event-driven caller's request.
     */
    public JsonNode asPlainCompletion(Messages.Request request) {
        Form form = form(request);
        if (form.images() != null && !form.images().isEmpty()) {
            // A completion has no pictures: its prompt would keep <|image|> placeholders the engine cannot fill.
            throw new org.maverick.gateway.generation.GatewayException.InvalidRequest("generation.images",
                    "a prevalidated request with pictures must carry a valid signature; send pictures as image_url "
                            + "parts of a chat request instead", "unsupported_content");
        }
        ObjectNode r = json.createObjectNode();
        r.put("model", form.model());
        r.put("prompt", form.prompt());
        r.put("max_tokens", form.maxTokens());
        r.put("temperature", form.temperature());
        r.put("top_p", form.topP());
        r.put("presence_penalty", form.presencePenalty());
        r.put("frequency_penalty", form.frequencyPenalty());
        if (form.seed() != null) {
            r.put("seed", form.seed());
        }
        if (form.stop() != null && !form.stop().isEmpty()) {
            var stops = r.putArray("stop");
            form.stop().forEach(stops::add);
        }
        r.put("stream", true);
        if (form.toolUse() != null) {
            r.set("tool_use", json.valueToTree(form.toolUse()));
        }
        return r;
    }

    private Form form(Messages.Request request) {
        if (request.generation() == null || !request.generation().isObject()) {
            throw new IllegalArgumentException("a prevalidated request needs a 'generation' object");
        }
        try {
            return json.treeToValue(request.generation(), Form.class);
        } catch (Exception e) {
            throw new IllegalArgumentException("unreadable 'generation': " + e.getMessage(), e);
        }
    }

    private byte[] signedBytes(String requestId, long createdAt, Long deadlineAt, Form form) {
        try {
            return canonical.writeValueAsBytes(new Signed(requestId, createdAt, deadlineAt, form));
        } catch (Exception e) {
            throw new IllegalStateException("cannot write a queued request's signed part", e);
        }
    }
}
