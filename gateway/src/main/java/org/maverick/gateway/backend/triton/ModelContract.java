package org.maverick.gateway.backend.triton;

import inference.GrpcService.ModelMetadataResponse;
import inference.ModelConfigOuterClass.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tensor contract of the Triton model the gateway talks to, read from its metadata and config
 * at start. Two contracts exist for TensorRT-LLM: the llmapi Python model (PyTorch backend, the
 * one that serves Llama 4) and the engine-path {@code ensemble}. Only inputs the model declares
 * are ever sent, since the llmapi model's inputs change between releases.
 *
 * @param kind         which contract
 * @param modelName    Triton model name
 * @param inputs       declared inputs: name to Triton datatype string (BYTES, INT32, ...)
 * @param outputs      declared outputs: name to datatype
 * @param batchDim     whether shapes carry a leading batch dimension ({@code max_batch_size > 0})
 * @param decoupled    whether the model streams (decoupled transaction policy)
 * @param promptFormat the config's {@code prompt_format} parameter, empty when absent: {@code rendered} marks
 *                     the repository's own model.py, which takes the gateway's fully rendered prompt with one
 *                     {@code <|image|>} per picture; TensorRT-LLM's stock model has no such parameter and wraps
 *                     {@code text_input} as one user turn whenever pictures come with it
 */
public record ModelContract(Kind kind, String modelName, Map<String, String> inputs, Map<String, String> outputs,
                            boolean batchDim, boolean decoupled, String promptFormat) {

    /** The {@code prompt_format} of the repository's own model.py. */
    public static final String RENDERED = "rendered";

    /** A contract without a {@code prompt_format} parameter (TensorRT-LLM's stock model, the ensemble). */
    public ModelContract(Kind kind, String modelName, Map<String, String> inputs, Map<String, String> outputs,
                         boolean batchDim, boolean decoupled) {
        this(kind, modelName, inputs, outputs, batchDim, decoupled, "");
    }

    public enum Kind {
        /** TensorRT-LLM's llmapi model: cumulative {@code text_output}, {@code sampling_param_*} inputs, no token counts. */
        LLMAPI,
        /** The engine-path ensemble: delta {@code text_output}, {@code max_tokens}, {@code num_*_tokens} outputs. */
        ENSEMBLE
    }

    public ModelContract {
        inputs = Map.copyOf(inputs);
        outputs = Map.copyOf(outputs);
    }

    /**
     * Reads the contract from Triton's answers.
     *
     * @throws IllegalStateException naming what is missing when the model fits neither contract
     */
    public static ModelContract from(ModelMetadataResponse metadata, ModelConfig config) {
        Map<String, String> inputs = new LinkedHashMap<>();
        metadata.getInputsList().forEach(t -> inputs.put(t.getName(), t.getDatatype()));
        Map<String, String> outputs = new LinkedHashMap<>();
        metadata.getOutputsList().forEach(t -> outputs.put(t.getName(), t.getDatatype()));
        String name = metadata.getName();
        if (!"BYTES".equals(inputs.get("text_input"))) {
            throw new IllegalStateException("Triton model '" + name + "' has no BYTES input 'text_input'; "
                    + "it is neither TensorRT-LLM's llmapi model nor its ensemble");
        }
        if (!"BYTES".equals(outputs.get("text_output"))) {
            throw new IllegalStateException("Triton model '" + name + "' has no BYTES output 'text_output'");
        }
        Kind kind;
        if (inputs.containsKey("sampling_param_max_tokens") || inputs.containsKey("streaming")) {
            kind = Kind.LLMAPI;
        } else if (inputs.containsKey("max_tokens")) {
            kind = Kind.ENSEMBLE;
        } else {
            throw new IllegalStateException("Triton model '" + name + "' declares neither 'sampling_param_max_tokens' "
                    + "(llmapi model) nor 'max_tokens' (ensemble): cannot limit generation length");
        }
        boolean decoupled = config.hasModelTransactionPolicy() && config.getModelTransactionPolicy().getDecoupled();
        var format = config.getParametersMap().get("prompt_format");
        return new ModelContract(kind, name, inputs, outputs, config.getMaxBatchSize() > 0, decoupled,
                format == null ? "" : format.getStringValue().trim());
    }

    public boolean declares(String input) {
        return inputs.containsKey(input);
    }

    /** The first of the given inputs the model declares (inputs were renamed between releases). */
    public Optional<String> firstDeclared(String... names) {
        for (String n : names) {
            if (inputs.containsKey(n)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /**
     * Why this model cannot take a chat with pictures, or empty when it can: it must be an llmapi model
     * that declares a BYTES {@code image_url} input and says {@code prompt_format: rendered}.
     */
    public Optional<String> imageRefusal() {
        if (kind != Kind.LLMAPI || !"BYTES".equals(inputs.get("image_url"))) {
            return Optional.of("the served Triton model '" + modelName + "' has no image_url input");
        }
        if (!RENDERED.equals(promptFormat)) {
            return Optional.of("the served Triton model '" + modelName + "' does not take a rendered prompt "
                    + "(its config has no parameter prompt_format = rendered): it would wrap the text as a single "
                    + "user turn and drop the rest of the conversation around a picture");
        }
        return Optional.empty();
    }

    public String describe() {
        return kind + " contract of model '" + modelName + "' (" + inputs.size() + " inputs, "
                + (decoupled ? "decoupled" : "NOT decoupled") + (batchDim ? ", batched shapes" : "") + ")";
    }
}
