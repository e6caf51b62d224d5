package org.maverick.standin.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import inference.ModelConfigOuterClass.DataType;
import inference.ModelConfigOuterClass.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRepositoriesTest {

    static final Path MODELS = Path.of("..", "models");
    static final Path ENGINE = Path.of("..", "engine-path-models");

    @Test
    void sourceRepositoriesParseWithTextFormatAndModelYamlApplies() {
        ModelRepositories repos = ModelRepositories.load(List.of(MODELS, ENGINE));
        ServedModel llm = repos.find("tensorrt_llm").orElseThrow();
        assertEquals(Contract.LLMAPI, llm.contract());
        assertTrue(llm.decoupled());
        assertEquals(0, llm.config().getMaxBatchSize());
        assertEquals(DataType.TYPE_STRING, llm.input("text_input").orElseThrow().getDataType());
        assertTrue(llm.input("sampling_param_stop").orElseThrow().getOptional());
        ServedModel ensemble = repos.find("ensemble").orElseThrow();
        assertEquals(Contract.ENSEMBLE, ensemble.contract());
        assertEquals(List.of(-1L, 1L), ensemble.expectedShape(ensemble.input("text_input").orElseThrow().getDimsList()));
    }

    @Test
    void bundledRepositoriesMatchTheSourceOnes() {
        assertEquals(ModelRepositories.load(List.of(MODELS, ENGINE)).all().keySet(), ModelRepositories.bundled().all().keySet());
    }

    @Test
    void aModelNamedTwiceIsRefused() {
        assertThrows(IllegalStateException.class, () -> ModelRepositories.load(List.of(MODELS, MODELS)));
    }

    @Test
    void tritonConfigTakesPythonStyleBooleans() {
        ModelConfig.Builder b = ModelConfig.newBuilder().setMaxBatchSize(8);
        ModelRepositories.applyTritonConfig(b, "model: x\ntriton_config:\n  max_batch_size: 0\n  decoupled: True\n");
        assertEquals(0, b.getMaxBatchSize());
        assertTrue(b.getModelTransactionPolicy().getDecoupled());
    }

    @Test
    void datatypeStringsAreTritons() {
        assertEquals("BYTES", ServedModel.datatypeString(DataType.TYPE_STRING));
        assertEquals("FP32", ServedModel.datatypeString(DataType.TYPE_FP32));
        assertEquals("UINT64", ServedModel.datatypeString(DataType.TYPE_UINT64));
        assertEquals("BF16", ServedModel.datatypeString(DataType.TYPE_BF16));
    }
}
