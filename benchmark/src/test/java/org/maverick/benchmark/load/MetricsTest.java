package org.maverick.benchmark.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

    static RequestRecord request(long sent, long first, long end, String text) {
        RequestRecord r = new RequestRecord();
        r.sentNanos = sent;
        r.firstTokenNanos = first;
        r.endNanos = end;
        r.text.append(text);
        return r;
    }

    @Test
    void itlIsTheTimeAfterTheFirstTokenOverTheRemainingTokens() {
        assertEquals(10_000_000L, Metrics.interTokenLatency(150_000_000L, 50_000_000L, 11));
        assertThrows(IllegalArgumentException.class, () -> Metrics.interTokenLatency(1, 1, 1));
    }

    @Test
    void summaryFollowsGenaiPerfDefinitions() {
        long ms = 1_000_000L;
        // 5 tokens each ("One two three four." is 5 word pieces)
        RequestRecord a = request(0, 50 * ms, 90 * ms, "One two three four.");
        RequestRecord b = request(100 * ms, 160 * ms, 200 * ms, "One two three four.");
        RequestRecord failed = request(0, -1, -1, "");
        failed.error = "HTTP 503: busy";
        RequestRecord cancelled = request(0, 10 * ms, -1, "x");
        cancelled.cancelled = true;
        Metrics.Summary s = Metrics.of(List.of(a, b, failed, cancelled), RequestRecord.TokenCount.WORDS);
        assertEquals(2, s.completed());
        assertEquals(1, s.errors());
        assertEquals(1, s.cancelled());
        assertEquals(List.of("HTTP 503: busy"), s.errorSamples());
        assertEquals(10, s.outputTokens());
        assertEquals(55.0, s.ttftMs().p50(), 1e-9);
        assertEquals(10.0, s.itlMs().p50(), 1e-9, "(90-50)/4 and (100-60)/4");
        assertEquals(95.0, s.e2eMs().mean(), 1e-9);
        assertEquals(0.2, s.windowSeconds(), 1e-9, "first sent to last ended");
        assertEquals(50.0, s.outputTokensPerSecond(), 1e-9);
        assertEquals(10.0, s.requestsPerSecond(), 1e-9);
    }

    @Test
    void tokenCountRulesUseWordsUsageOrChunks() {
        RequestRecord r = request(0, 1, 2, " Hello, world.");
        r.usageTokens = 7;
        r.chunks = 2;
        assertEquals(4, r.outputTokens(RequestRecord.TokenCount.WORDS));
        assertEquals(7, r.outputTokens(RequestRecord.TokenCount.USAGE));
        assertEquals(2, r.outputTokens(RequestRecord.TokenCount.CHUNKS));
    }

    @Test
    void standInWordPiecesAreCountedExactly() {
        assertEquals(0, Tokens.count(""));
        assertEquals(6, Tokens.count("The river, near stone!"));
        assertEquals(3, Tokens.count(" don't stop."));
    }
}
