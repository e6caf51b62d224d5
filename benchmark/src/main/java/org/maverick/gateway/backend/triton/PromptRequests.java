package org.maverick.gateway.backend.triton;

import inference.GrpcService.ModelInferRequest;
import java.util.Map;
import org.maverick.gateway.generation.Generation;

/** The benchmark's door to {@link TritonRequests} (package-private): the request of a generation for the llmapi model. */
public final class PromptRequests {

    /** The inputs TensorRT-LLM's llmapi model declares that a text generation sends. */
    static final ModelContract LLMAPI = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm", Map.ofEntries(
            Map.entry("text_input", "BYTES"), Map.entry("streaming", "BOOL"),
            Map.entry("sampling_param_max_tokens", "INT32"), Map.entry("sampling_param_temperature", "FP32"),
            Map.entry("sampling_param_top_p", "FP32"), Map.entry("sampling_param_presence_penalty", "FP32"),
            Map.entry("sampling_param_frequency_penalty", "FP32"), Map.entry("sampling_param_seed", "UINT64"),
            Map.entry("sampling_param_stop", "BYTES"), Map.entry("return_finish_reason", "BOOL")),
            Map.of("text_output", "BYTES"), false, true);

    private PromptRequests() {
    }

    public static ModelInferRequest build(Generation g) {
        return TritonRequests.build(g, LLMAPI);
    }
}
