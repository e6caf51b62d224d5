package org.maverick.gateway.generation;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A validated generation request: what every backend accepts. Built only by the edge's validator
 * from an OpenAI request, so every field is set, within limits and free of nulls.
 *
 * @param requestId     unique id, echoed as the completion id and sent to Triton as the request id
 * @param modelId       the public model id the client asked for
 * @param kind          chat or plain completion (decides the wire shape of the answer)
 * @param prompt        the full prompt text as the engine receives it (chat template applied)
 * @param promptTokens  prompt tokens, counted with Maverick's tokenizer (or estimated, see {@code exactTokens})
 * @param exactTokens   whether token counts come from the real tokenizer
 * @param sampling      sampling settings with defaults applied
 * @param stop          stop strings (never emitted, matched across token boundaries)
 * @param stream        whether the client streams
 * @param includeUsage  whether a streaming client asked for the usage chunk
 * @param createdEpochSeconds creation time echoed in {@code created}
 * @param dispatch      where it runs: straight on Triton or queued through Kafka
 * @param caller        who asked: the tenant of the request's API key ({@code anonymous} when keys are off),
 *                      for limits and accounting
 * @param tools         how the output is read for tool calls ({@link ToolUse#NONE}: plain text)
 * @param images        the request's pictures as {@code data:} URIs, checked by the gateway, in the order of
 *                      the {@code <|image|>} placeholders in {@code prompt}; empty for text-only requests
 */
public record Generation(
        String requestId,
        String modelId,
        Kind kind,
        String prompt,
        int promptTokens,
        boolean exactTokens,
        Sampling sampling,
        List<String> stop,
        boolean stream,
        boolean includeUsage,
        long createdEpochSeconds,
        Dispatch dispatch,
        String caller,
        ToolUse tools,
        List<String> images) {

    /** A generation without tools or pictures. */
    public Generation(String requestId, String modelId, Kind kind, String prompt, int promptTokens, boolean exactTokens,
                      Sampling sampling, List<String> stop, boolean stream, boolean includeUsage,
                      long createdEpochSeconds, Dispatch dispatch, String caller) {
        this(requestId, modelId, kind, prompt, promptTokens, exactTokens, sampling, stop, stream, includeUsage,
                createdEpochSeconds, dispatch, caller, ToolUse.NONE, List.of());
    }

    /** A generation without pictures. */
    public Generation(String requestId, String modelId, Kind kind, String prompt, int promptTokens, boolean exactTokens,
                      Sampling sampling, List<String> stop, boolean stream, boolean includeUsage,
                      long createdEpochSeconds, Dispatch dispatch, String caller, ToolUse tools) {
        this(requestId, modelId, kind, prompt, promptTokens, exactTokens, sampling, stop, stream, includeUsage,
                createdEpochSeconds, dispatch, caller, tools, List.of());
    }

    /** A generation without tools. */
    public Generation(String requestId, String modelId, Kind kind, String prompt, int promptTokens, boolean exactTokens,
                      Sampling sampling, List<String> stop, boolean stream, boolean includeUsage,
                      long createdEpochSeconds, Dispatch dispatch, String caller, List<String> images) {
        this(requestId, modelId, kind, prompt, promptTokens, exactTokens, sampling, stop, stream, includeUsage,
                createdEpochSeconds, dispatch, caller, ToolUse.NONE, images);
    }

    /** The same generation, its output read for tool calls as {@code newTools} says. */
    public Generation withTools(ToolUse newTools) {
        return new Generation(requestId, modelId, kind, prompt, promptTokens, exactTokens, sampling, stop, stream,
                includeUsage, createdEpochSeconds, dispatch, caller, newTools, images);
    }

    public enum Kind {
        CHAT, COMPLETION
    }

    /** Where a generation runs. */
    public enum Dispatch {
        /** Streamed from Triton by the instance that took the request. */
        DIRECT,
        /** Put on Kafka; any instance's worker runs it and the events come back through Kafka. */
        QUEUED
    }

    /** The same generation, run the other way. */
    public Generation withDispatch(Dispatch newDispatch) {
        return new Generation(requestId, modelId, kind, prompt, promptTokens, exactTokens, sampling, stop, stream,
                includeUsage, createdEpochSeconds, newDispatch, caller, tools, images);
    }

    /** The same generation, its tokens streamed or not. */
    public Generation withStream(boolean newStream) {
        return new Generation(requestId, modelId, kind, prompt, promptTokens, exactTokens, sampling, stop, newStream,
                includeUsage, createdEpochSeconds, dispatch, caller, tools, images);
    }

    /** The same generation on behalf of a tenant (the API key's name). */
    public Generation withCaller(String newCaller) {
        return new Generation(requestId, modelId, kind, prompt, promptTokens, exactTokens, sampling, stop, stream,
                includeUsage, createdEpochSeconds, dispatch, newCaller, tools, images);
    }

    /** The same generation with another prompt and limits (a worker continuing an interrupted answer). */
    public Generation continuing(String newPrompt, int newPromptTokens, int maxTokens) {
        Sampling s = new Sampling(maxTokens, sampling.temperature, sampling.topP, sampling.presencePenalty,
                sampling.frequencyPenalty, sampling.seed);
        return new Generation(requestId, modelId, kind, newPrompt, newPromptTokens, exactTokens, s, stop, stream,
                includeUsage, createdEpochSeconds, dispatch, caller, tools, images);
    }

    /**
     * @param maxTokens        most tokens to generate (always explicit: the engine's own default is tiny)
     * @param temperature      0 to 2
     * @param topP             0 (exclusive) to 1
     * @param presencePenalty  -2 to 2
     * @param frequencyPenalty -2 to 2
     * @param seed             sampling seed, when the client asked for reproducible output
     */
    public record Sampling(int maxTokens, double temperature, double topP, double presencePenalty,
                           double frequencyPenalty, OptionalLong seed) {
        public Sampling {
            Objects.requireNonNull(seed, "seed");
        }
    }

    public Generation {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(tools, "tools");
        stop = List.copyOf(stop);
        images = List.copyOf(images);
    }
}
