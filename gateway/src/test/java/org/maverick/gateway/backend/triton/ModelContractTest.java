package org.maverick.gateway.backend.triton;

import inference.GrpcService.ModelMetadataResponse;
import inference.GrpcService.ModelMetadataResponse.TensorMetadata;
import inference.ModelConfigOuterClass.ModelConfig;
import inference.ModelConfigOuterClass.ModelTransactionPolicy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway recognises TensorRT-LLM's two contracts from Triton's metadata, and nothing else. */
class ModelContractTest {

    private static TensorMetadata t(String name, String type) {
        return TensorMetadata.newBuilder().setName(name).setDatatype(type).addShape(-1).build();
    }

    private static final ModelConfig DECOUPLED = ModelConfig.newBuilder()
            .setModelTransactionPolicy(ModelTransactionPolicy.newBuilder().setDecoupled(true)).build();

    @Test
    void recognisesTheLlmapiModel() {
        ModelMetadataResponse m = ModelMetadataResponse.newBuilder().setName("tensorrt_llm")
                .addInputs(t("text_input", "BYTES")).addInputs(t("streaming", "BOOL"))
                .addInputs(t("sampling_param_max_tokens", "INT32")).addOutputs(t("text_output", "BYTES")).build();
        ModelContract c = ModelContract.from(m, DECOUPLED);
        assertEquals(ModelContract.Kind.LLMAPI, c.kind());
        assertTrue(c.decoupled());
        assertFalse(c.batchDim());
    }

    @Test
    void recognisesTheEnsembleWithBatchedShapes() {
        ModelMetadataResponse m = ModelMetadataResponse.newBuilder().setName("ensemble")
                .addInputs(t("text_input", "BYTES")).addInputs(t("max_tokens", "INT32"))
                .addOutputs(t("text_output", "BYTES")).build();
        ModelContract c = ModelContract.from(m, DECOUPLED.toBuilder().setMaxBatchSize(64).build());
        assertEquals(ModelContract.Kind.ENSEMBLE, c.kind());
        assertTrue(c.batchDim());
        assertEquals("max_tokens", c.firstDeclared("sampling_param_max_tokens", "max_tokens").orElseThrow());
    }

    @Test
    void notDecoupledIsReported() {
        ModelMetadataResponse m = ModelMetadataResponse.newBuilder().setName("tensorrt_llm")
                .addInputs(t("text_input", "BYTES")).addInputs(t("streaming", "BOOL"))
                .addOutputs(t("text_output", "BYTES")).build();
        assertFalse(ModelContract.from(m, ModelConfig.getDefaultInstance()).decoupled());
    }

    @Test
    void aModelWithoutTextTensorsIsRefusedWithTheReason() {
        ModelMetadataResponse m = ModelMetadataResponse.newBuilder().setName("resnet")
                .addInputs(t("image", "FP32")).addOutputs(t("probs", "FP32")).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelContract.from(m, DECOUPLED));
        assertTrue(e.getMessage().contains("text_input"), e.getMessage());
    }

    @Test
    void aModelWithoutALengthLimitIsRefused() {
        ModelMetadataResponse m = ModelMetadataResponse.newBuilder().setName("odd")
                .addInputs(t("text_input", "BYTES")).addOutputs(t("text_output", "BYTES")).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelContract.from(m, DECOUPLED));
        assertTrue(e.getMessage().contains("max_tokens"), e.getMessage());
    }
}
