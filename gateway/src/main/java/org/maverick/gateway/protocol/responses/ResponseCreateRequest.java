package org.maverick.gateway.protocol.responses;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * OpenAI's {@code POST /v1/responses} body, field for field as far as this gateway knows them. Polymorphic
 * fields ({@code input}, {@code tools}, {@code tool_choice}, {@code text}, ...) stay JSON trees, so the parser
 * can refuse them with the exact path of the offending part. Unknown fields are accepted, as OpenAI does.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResponseCreateRequest(
        String model,
        JsonNode input,
        String instructions,
        @JsonProperty("max_output_tokens") Integer maxOutputTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        JsonNode tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        Boolean stream,
        JsonNode metadata,
        String user,
        JsonNode text,
        JsonNode include,
        String truncation,
        Boolean store,
        Boolean background,
        @JsonProperty("previous_response_id") String previousResponseId,
        JsonNode reasoning,
        @JsonProperty("prompt_cache_key") String promptCacheKey,
        @JsonProperty("safety_identifier") String safetyIdentifier,
        JsonNode prompt,
        JsonNode conversation,
        @JsonProperty("top_logprobs") Integer topLogprobs,
        @JsonProperty("max_tool_calls") Integer maxToolCalls,
        @JsonProperty("stream_options") JsonNode streamOptions) {
}
