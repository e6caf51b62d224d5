package org.maverick.gateway.queue;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.prompt.TokenCounter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a takeover counts as already sent: the engine's counts its events carried (as usage counts
 * them), not an estimate of the text, which is off without a tokenizer ("211 tokens already sent"
 * when the engine had generated 134).
 */
class ContinuationTest {

    /** An estimating counter, as without a tokenizer: one token per character here, far off on purpose. */
    private static final TokenCounter ESTIMATE = new TokenCounter() {
        @Override
        public int countText(String ordinaryText) {
            return ordinaryText.length();
        }

        @Override
        public boolean exact() {
            return false;
        }
    };

    @Test
    void theTokensAlreadySentAreTheEnginesLastCountOfEachAttempt() {
        Continuation.Tally tally = new Continuation.Tally();
        tally.token(1, "Kafka keeps", 2);
        tally.token(1, " the latest value", 5);
        tally.token(2, " per key", 2); // attempt 2 counts from 0 again
        Continuation c = tally.result(7, false, 0);
        assertEquals("Kafka keeps the latest value per key", c.text());
        assertEquals(7, c.tokens(ESTIMATE), "5 of attempt 1 plus 2 of attempt 2");
    }

    @Test
    void onlyTextNoEngineCountCoversIsEstimated() {
        Continuation.Tally tally = new Continuation.Tally();
        tally.token(1, "abc", null); // an engine that does not count, or an older gateway's events
        tally.token(1, "de", 4); // a count covers all of the attempt's text so far
        tally.token(2, "xyz", null);
        Continuation c = tally.result(3, false, 0);
        assertEquals(4 + 3, c.tokens(ESTIMATE));
        assertEquals(5, new Continuation("hello", 0, false).tokens(ESTIMATE), "no counts at all: all estimated");
        assertEquals(0, Continuation.NONE.tokens(ESTIMATE));
    }
}
