package org.maverick.standin.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DirectivesTest {

    @Test
    void parsesEveryDirectiveAnywhereInThePrompt() {
        Directives d = Directives.parse("hi [standin:utf8] there [standin:length=12][standin:error_at=3]\n"
                + "[standin:cut_at=7] [standin:ttft_ms=250] [standin:itl_ms=1.5] [standin:fffd] [standin:echo] [standin:stamp]");
        assertTrue(d.utf8() && d.fffd() && d.echo());
        assertEquals(12, d.length().getAsInt());
        assertEquals(3, d.errorAt().getAsInt());
        assertEquals(7, d.cutAt().getAsInt());
        assertEquals(250.0, d.ttftMs().getAsDouble());
        assertEquals(1.5, d.itlMs().getAsDouble());
        assertTrue(d.stamp());
    }

    @Test
    void plainPromptsAndMalformedOrUnknownDirectivesChangeNothing() {
        assertEquals(Directives.NONE, Directives.parse("just a question [standin:length=abc] [standin:bogus] [other:utf8]"));
        assertFalse(Directives.parse("[standin:UTF8]").utf8());
    }

    @Test
    void stripRemovesDirectivesOnly() {
        assertEquals("a  b", Directives.strip("a [standin:echo] b"));
    }
}
