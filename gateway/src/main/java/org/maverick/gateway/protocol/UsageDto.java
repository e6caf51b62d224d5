package org.maverick.gateway.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.maverick.gateway.generation.Usage;

/** OpenAI's usage block. */
public record UsageDto(@JsonProperty("prompt_tokens") int promptTokens,
                       @JsonProperty("completion_tokens") int completionTokens,
                       @JsonProperty("total_tokens") int totalTokens) {

    public static UsageDto of(Usage usage) {
        return new UsageDto(usage.promptTokens(), usage.completionTokens(), usage.totalTokens());
    }
}
