package org.maverick.gateway.backend.triton;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** All endpoints of the pool must serve the same model: the first contract read sets it. */
class PoolContractTest {

    private static final ModelContract LLMAPI = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm",
            Map.of("text_input", "BYTES", "sampling_param_max_tokens", "INT32"), Map.of("text_output", "BYTES"),
            false, true);

    @Test
    void theFirstContractReadBecomesThePools() {
        PoolContract pool = new PoolContract();
        assertTrue(pool.get().isEmpty());
        assertTrue(pool.agree(LLMAPI).isEmpty());
        assertEquals(LLMAPI, pool.get().orElseThrow());
    }

    @Test
    void anEqualContractFromAnotherEndpointAgrees() {
        PoolContract pool = new PoolContract();
        pool.agree(LLMAPI);
        ModelContract same = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm",
                Map.of("sampling_param_max_tokens", "INT32", "text_input", "BYTES"), Map.of("text_output", "BYTES"),
                false, true);
        assertTrue(pool.agree(same).isEmpty());
    }

    @Test
    void aDifferentModelIsRefusedWithAReasonNamingBoth() {
        PoolContract pool = new PoolContract();
        pool.agree(LLMAPI);
        ModelContract ensemble = new ModelContract(ModelContract.Kind.ENSEMBLE, "ensemble",
                Map.of("text_input", "BYTES", "max_tokens", "INT32"), Map.of("text_output", "BYTES"), true, true);
        String reason = pool.agree(ensemble).orElseThrow();
        assertTrue(reason.contains("different model contract") && reason.contains("ensemble")
                && reason.contains("tensorrt_llm"), reason);
        assertEquals(LLMAPI, pool.get().orElseThrow(), "the pool keeps its contract");
    }

    @Test
    void aChangedInputListIsADifferentContract() {
        PoolContract pool = new PoolContract();
        pool.agree(LLMAPI);
        ModelContract newer = new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm",
                Map.of("text_input", "BYTES", "sampling_param_max_tokens", "INT32", "streaming", "BOOL"),
                Map.of("text_output", "BYTES"), false, true);
        assertTrue(pool.agree(newer).isPresent());
    }
}
