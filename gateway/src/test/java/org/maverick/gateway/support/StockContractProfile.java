package org.maverick.gateway.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * The gateway in front of a stand-in that serves the llmapi model as TensorRT-LLM's stock model.py
 * declares it (no {@code prompt_format}). Global test resources are off, so this stand-in is the only one.
 */
public class StockContractProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(StandInResource.class, Map.of(StandInResource.STOCK_LLMAPI, "true")));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }
}
