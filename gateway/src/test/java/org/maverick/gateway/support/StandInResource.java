package org.maverick.gateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Starts the Triton stand-in on a free loopback port with fast timing, and points the gateway at it.
 * Tests reach the running stand-in (counters, fault knobs) through {@link #standIn()}.
 */
public class StandInResource implements QuarkusTestResourceLifecycleManager {

    /** Init argument: "true" serves the llmapi model as TensorRT-LLM's stock model.py declares it (no prompt_format). */
    public static final String STOCK_LLMAPI = "stock-llmapi";

    private static volatile TritonStandIn standIn;

    private boolean stockLlmapi;

    @Override
    public void init(Map<String, String> initArgs) {
        stockLlmapi = Boolean.parseBoolean(initArgs.getOrDefault(STOCK_LLMAPI, "false"));
    }

    public static TritonStandIn standIn() {
        return standIn;
    }

    @Override
    public Map<String, String> start() {
        try {
            standIn = TritonStandIn.builder().host("127.0.0.1").port(0).timing(Timing.fast())
                    .stockLlmapiContract(stockLlmapi).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("gateway.triton.endpoint", "127.0.0.1:" + standIn.port());
    }

    @Override
    public void stop() {
        if (standIn != null) {
            standIn.close();
            standIn = null;
        }
    }
}
