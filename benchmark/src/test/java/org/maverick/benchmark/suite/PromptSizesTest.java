package org.maverick.benchmark.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.maverick.benchmark.load.LoadConfig;

class PromptSizesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sizesAreReadWithThousandsAsK() {
        assertEquals(List.of(1000, 32000, 120000), PromptSizes.parseSizes("1k, 32000,120K"));
        assertThrows(IllegalArgumentException.class, () -> PromptSizes.parseSizes("10"));
        assertEquals("120k", PromptSizes.label(120000));
        assertEquals("1500", PromptSizes.label(1500));
    }

    @Test
    void optionsAreTakenOnlyWhenTheyAreTheScenarios() {
        PromptSizes p = new PromptSizes(JSON.createObjectNode());
        String[] args = {"--prompt-sizes", "2k,4k", "--prompt-rate", "5", "--no-prompt-sizes", "--duration", "3"};
        assertEquals(1, p.option(args, 0));
        assertEquals(3, p.option(args, 2));
        assertEquals(4, p.option(args, 4));
        assertEquals(-1, p.option(args, 5));
        assertEquals(List.of(2000, 4000), p.sizes);
        assertEquals(5.0, p.rate);
        assertTrue(!p.enabled);
    }

    @Test
    void aLongChatIsAHistoryBeforeTheRequestsOwnMessage() {
        LoadConfig c = PromptSizes.chat(LoadConfig.builder("http://x/v1/chat/completions").build(), 32000).build();
        assertEquals(32000 - PromptSizes.LAST_MESSAGE_TOKENS - 10, c.historyTokens());
        assertEquals(PromptSizes.LAST_MESSAGE_TOKENS, c.inputTokens());
        assertEquals(PromptSizes.ANSWER_TOKENS, c.outputTokens());
        int bytes = PromptSizes.bodyBytes(c);
        assertTrue(bytes > 32000 * 3 && bytes < 32000 * 5, "about four bytes a token: " + bytes);
    }

    @Test
    void theTablesShowAddedFiguresAgainstTheDirectPathBesideEachTarget() throws Exception {
        ObjectNode report = (ObjectNode) JSON.readTree("""
                {"settings":{"prompt_sizes":{"rate_per_s":3.0}},
                 "prompt_sizes":{
                   "ttft":{"gateway-direct":{"120k":{"completed":18,"errors":0,"body_bytes":486400,
                       "time_to_first_token_ms":{"p50":2500.0,"p99":2600.0},"hop_cpu_ms_per_request":4.5,
                       "thread_cpu_us_per_request":{"vert.x-eventloo":310.0,"executor-thread":1500.0},
                       "direct_path_beside":{"completed":18,"errors":0,
                           "time_to_first_token_ms":{"p50":2490.0,"p99":2580.0}}}}},
                   "background":{"gateway-direct":{"big_prompt_tokens":120000,"big_prompts_per_s":2.0,"streams":256,
                       "rounds":[{"without":{"stamp_latency_ms":{"p50":1.0,"p99":3.0,"max":9.0},
                                             "time_to_first_token_ms":{"p99":70.0}},
                                  "with":{"stamp_latency_ms":{"p50":1.5,"p99":4.0,"max":12.0},
                                          "time_to_first_token_ms":{"p99":80.0},
                                          "big_prompts":{"completed":16,"errors":0,
                                                         "time_to_first_token_ms":{"p50":2700.0}}}}]}}}}
                """);
        String md = PromptSizes.markdown(report);
        assertTrue(md.contains("| 120k | 475 | gateway-direct | 18/18 | 2500.00 | 2490.00 | +10.00 | 2600.00 | 2580.00 "
                + "| +20.00 | 4.50 | 310.00 | 1500.00 |"), md);
        assertTrue(md.contains("| gateway-direct | 1 | 256 | 120k at 2.0/s | 1.00 / 1.50 | 3.00 / 4.00 | 9.00 / 12.00 "
                + "| +0.50 | +1.00 | +3.00 | 70.00 / 80.00 | 16 / 0 | 2700.00 |"), md);
        assertEquals("", PromptSizes.markdown(JSON.createObjectNode()));
    }
}
