package org.maverick.gateway.backend.triton;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same gateway against the engine-path {@code ensemble} contract: delta text whose bytes split
 * UTF-8 characters, {@code max_tokens}/{@code stream} inputs, token counts from the engine.
 */
@QuarkusTest
@TestProfile(EnsembleContractTest.Ensemble.class)
@QuarkusTestResource(StandInResource.class)
class EnsembleContractTest {

    public static class Ensemble implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.triton.model", "ensemble");
        }
    }

    @TestHTTPResource
    URL base;

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    @Test
    void splitUtf8DeltasAreReassembledWithoutReplacementCharacters() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                Sse.chat("Speak [standin:utf8] [standin:length=80]", "\"stream\":true"));
        assertEquals(200, s.status());
        String content = s.content();
        assertFalse(content.contains("\uFFFD"), content);
        assertTrue(content.codePoints().anyMatch(cp -> cp > 0xFFFF), "4-byte characters expected: " + content);
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));
    }

    @Test
    void usageComesFromTheEnginesCounts() throws Exception {
        Sse.Stream s = Sse.stream(url(), "/v1/chat/completions", Sse.chat("Count [standin:length=17]",
                "\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        List<JsonNode> chunks = s.chunks();
        JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
        assertEquals(17, usage.path("completion_tokens").asInt(), usage.toString());
        assertTrue(usage.path("prompt_tokens").asInt() > 0);
    }

    @Test
    void maxTokensAndStopWorkAsWithTheLlmapiModel() throws Exception {
        JsonNode body = Sse.JSON.readTree(Sse.post(url(), "/v1/chat/completions",
                Sse.chat("Long [standin:length=200]", "\"max_tokens\":7")).body());
        assertEquals("length", body.path("choices").path(0).path("finish_reason").asText(), body.toString());
        assertEquals(7, body.path("usage").path("completion_tokens").asInt(), body.toString());

        JsonNode stopped = Sse.JSON.readTree(Sse.post(url(), "/v1/chat/completions",
                Sse.chat("[standin:echo]\none two three four five", "\"stop\":\"three\"")).body());
        String content = stopped.path("choices").path(0).path("message").path("content").asText();
        assertFalse(content.contains("three"), content);
        assertTrue(content.contains("two"), content);
        assertEquals("stop", stopped.path("choices").path(0).path("finish_reason").asText());
    }
}
