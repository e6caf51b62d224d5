package org.maverick.standin;

import java.util.List;
import org.maverick.standin.repository.Contract;
import org.maverick.standin.text.Directives;

/**
 * What to generate for one request, with each contract's defaults applied: the llmapi model's
 * (streaming off, 32 max tokens) or the ensemble's (max_tokens required, stream off). An llmapi
 * request's pictures ({@code image_url}) are checked as the repository's model.py checks them.
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
        Directives directives,
        List<Pictures.Picture> pictures) {

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
                    directives,
                    Pictures.check(r.strings("image_url"), prompt,
                            "rendered".equals(promptFormat(r))));
            case ENSEMBLE -> new GenerationSpec(r, contract, prompt,
                    r.bool("stream", false),
                    (int) r.integer("max_tokens", 0),
                    r.integer("seed", 0),
                    r.strings("stop_words").stream().filter(s -> !s.isEmpty()).toList(),
                    false,
                    directives,
                    List.of());
            case NONE -> throw new RequestError("the Triton stand-in cannot generate for model '" + r.model().name()
                    + "': it declares no text_input");
        };
    }

    /** The served config's prompt_format parameter ("rendered" for the repository's own model.py). */
    private static String promptFormat(ValidRequest r) {
        var p = r.model().config().getParametersMap().get("prompt_format");
        return p == null ? "" : p.getStringValue().trim();
    }

    boolean doubledBos() {
        return contract == Contract.LLMAPI && prompt.startsWith(BOS);
    }
}
