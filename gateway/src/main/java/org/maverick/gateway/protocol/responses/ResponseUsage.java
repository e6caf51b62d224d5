package org.maverick.gateway.protocol.responses;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.maverick.gateway.generation.Usage;

/**
 * A response's {@code usage}, with both detail objects the SDKs require. No prompt cache is reported and
 * Maverick does not reason, so every detail is 0.
 */
public record ResponseUsage(@JsonProperty("input_tokens") int inputTokens,
                            @JsonProperty("input_tokens_details") InputTokensDetails inputTokensDetails,
                            @JsonProperty("output_tokens") int outputTokens,
                            @JsonProperty("output_tokens_details") OutputTokensDetails outputTokensDetails,
                            @JsonProperty("total_tokens") int totalTokens) {

    /** {@code cache_write_tokens} is required by the SDKs' response validation, though OpenAI's reference omits it. */
    public record InputTokensDetails(@JsonProperty("cached_tokens") int cachedTokens,
                                     @JsonProperty("cache_write_tokens") int cacheWriteTokens) {
    }

    public record OutputTokensDetails(@JsonProperty("reasoning_tokens") int reasoningTokens) {
    }

    public static ResponseUsage of(Usage usage) {
        return new ResponseUsage(usage.promptTokens(), new InputTokensDetails(0, 0), usage.completionTokens(),
                new OutputTokensDetails(0), usage.totalTokens());
    }
}
