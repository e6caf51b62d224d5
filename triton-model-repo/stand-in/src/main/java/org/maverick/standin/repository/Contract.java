package org.maverick.standin.repository;

/** Which generation contract a model's tensors follow; decided from the declared inputs. */
public enum Contract {
    /** TensorRT-LLM's llmapi Python model: cumulative {@code text_output}, {@code sampling_param_*} inputs. */
    LLMAPI,
    /** The engine-path ensemble: delta {@code text_output}, required {@code max_tokens}, token counts. */
    ENSEMBLE,
    /** Neither: metadata and config are served, inference is refused. */
    NONE;

    static Contract of(inference.ModelConfigOuterClass.ModelConfig config) {
        boolean text = config.getInputList().stream().anyMatch(i -> i.getName().equals("text_input"));
        boolean maxTokens = config.getInputList().stream().anyMatch(i -> i.getName().equals("max_tokens"));
        if (text && maxTokens) {
            return ENSEMBLE;
        }
        return text ? LLMAPI : NONE;
    }
}
