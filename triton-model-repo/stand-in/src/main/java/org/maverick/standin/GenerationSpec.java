package org.maverick.standin;

import java.util.List;
import org.maverick.standin.repository.Contract;
import org.maverick.standin.text.Directives;

/**
 * What to generate for one request, with each contract's defaults applied: the llmapi model's
 * (streaming off, 32 max tokens) or the ensemble's (max_tokens required, stream off).
 */
record GenerationSpec(
        ValidRequest request,
        Contract contract,
        String prompt,
        boolean stream,
        int maxTokens,
        long seed,
        List<String> stopStrings,
        boolean stopRequest,
        Directives directives) {

    static final String BOS = "<|begin_of_text|>";
    /** The llmapi model's own default for sampling_param_max_tokens. */
    static final int LLMAPI_DEFAULT_MAX_TOKENS = 32;

    static GenerationSpec of(ValidRequest r) throws RequestError {
        Contract contract = r.model().contract();
        String prompt = r.string("text_input", "");
        Directives directives = Directives.parse(prompt);
        return switch (contract) {
            case LLMAPI -> new GenerationSpec(r, contract, prompt,
                    r.bool("streaming", false),
                    (int) r.integer("sampling_param_max_tokens", LLMAPI_DEFAULT_MAX_TOKENS),
                    r.integer("sampling_param_seed", 0),
                    r.strings("sampling_param_stop").stream().filter(s -> !s.isEmpty()).toList(),
                    r.bool("stop", false),
                    directives);
            case ENSEMBLE -> new GenerationSpec(r, contract, prompt,
                    r.bool("stream", false),
                    (int) r.integer("max_tokens", 0),
                    r.integer("seed", 0),
                    r.strings("stop_words").stream().filter(s -> !s.isEmpty()).toList(),
                    false,
                    directives);
            case NONE -> throw new RequestError("the Triton stand-in cannot generate for model '" + r.model().name()
                    + "': it declares no text_input");
        };
    }

    boolean doubledBos() {
        return contract == Contract.LLMAPI && prompt.startsWith(BOS);
    }
}
