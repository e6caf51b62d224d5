package org.maverick.gateway.config;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without a Triton endpoint the gateway must refuse to start, naming the setting (no silent stand-in). */
class GatewayConfigTest {

    private static SmallRyeConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder()
                .withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values)
                .build();
    }

    @Test
    void missingTritonEndpointFailsNamingTheSetting() {
        Exception e = assertThrows(Exception.class, () -> config(Map.of()));
        assertTrue(e.getMessage().contains("gateway.triton.endpoint"), e.getMessage());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        GatewayConfig c = config(Map.of("gateway.triton.endpoint", "triton:8001")).getConfigMapping(GatewayConfig.class);
        assertEquals("llama-4-maverick", c.model().id());
        assertEquals("tensorrt_llm", c.triton().model());
        assertEquals(false, c.prompt().writeBos());
        assertEquals(GatewayConfig.SpecialTokenPolicy.REJECT, c.prompt().specialTokens());
    }

    @Test
    void theEventLoopParsesLessWhenCountingIsExact() {
        GatewayConfig estimating = config(Map.of("gateway.triton.endpoint", "triton:8001"))
                .getConfigMapping(GatewayConfig.class);
        assertEquals(32768, GatewayConfig.inlineParseBytes(estimating));
        GatewayConfig tokenizer = config(Map.of("gateway.triton.endpoint", "triton:8001",
                "gateway.tokenizer.path", "/models/tokenizer.model")).getConfigMapping(GatewayConfig.class);
        assertEquals(4096, GatewayConfig.inlineParseBytes(tokenizer));
        for (Map<String, String> set : List.of(Map.of("gateway.triton.endpoint", "triton:8001",
                        "gateway.limits.inline-parse-bytes", "100000"),
                Map.of("gateway.triton.endpoint", "triton:8001", "gateway.tokenizer.path", "/models/tokenizer.model",
                        "gateway.limits.inline-parse-bytes", "100000"))) {
            assertEquals(100000, GatewayConfig.inlineParseBytes(config(set).getConfigMapping(GatewayConfig.class)),
                    "a set value wins: " + set);
        }
    }
}
