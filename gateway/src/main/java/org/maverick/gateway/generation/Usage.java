package org.maverick.gateway.generation;

/**
 * Token counts of one generation.
 *
 * @param exact whether both counts come from the model's tokenizer or the engine (false: estimated)
 */
public record Usage(int promptTokens, int completionTokens, boolean exact) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
