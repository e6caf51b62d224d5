package org.maverick.standin.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TextGeneratorTest {

    @Test
    void samePromptAndSeedGiveSameTokensOtherSeedOtherTokens() {
        List<String> a = TextGenerator.answer("Explain tides.", 5, Directives.NONE);
        assertEquals(a, TextGenerator.answer("Explain tides.", 5, Directives.NONE));
        assertNotEquals(a, TextGenerator.answer("Explain tides.", 6, Directives.NONE));
        assertNotEquals(a, TextGenerator.answer("Explain waves.", 5, Directives.NONE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Why is the sky blue?", "a long prompt with many words in it, repeated, repeated, repeated, repeated", "東京の天気"})
    void naturalLengthIsBetween40And160TokensAndEndsWithAFullStop(String prompt) {
        List<String> tokens = TextGenerator.answer(prompt, 0, Directives.NONE);
        assertTrue(tokens.size() >= 40 && tokens.size() <= 160, "length " + tokens.size());
        assertEquals(".", tokens.get(tokens.size() - 1));
        assertTrue(!tokens.get(0).startsWith(" ") && Character.isUpperCase(tokens.get(0).charAt(0)));
        tokens.subList(1, tokens.size()).forEach(t -> assertTrue(t.startsWith(" ") || t.matches("[,.!]"), t));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 17, 500})
    void lengthDirectiveGivesExactlyNTokens(int n) {
        assertEquals(n, TextGenerator.answer("x", 0, Directives.parse("[standin:length=" + n + "]")).size());
    }

    @Test
    void utf8DirectiveMixesInTwoThreeAndFourByteCharacters() {
        String text = String.join("", TextGenerator.answer("x", 0, Directives.parse("[standin:utf8][standin:length=400]")));
        assertTrue(text.codePoints().anyMatch(c -> c >= 0x80 && c < 0x800), "2-byte");
        assertTrue(text.codePoints().anyMatch(c -> c >= 0x800 && c < 0x10000), "3-byte");
        assertTrue(text.codePoints().anyMatch(c -> c >= 0x10000), "4-byte");
        assertTrue(text.getBytes(StandardCharsets.UTF_8).length > text.length());
    }

    @Test
    void echoRepeatsTheLastLineWithoutTemplateMarkupOrDirectives() {
        String prompt = "<|begin_of_text|><|header_start|>user<|header_end|>\n\nfirst line\nrepeat after me [standin:echo]"
                + "<|eot|><|header_start|>assistant<|header_end|>\n\n";
        List<String> tokens = TextGenerator.answer(prompt, 0, Directives.parse(prompt));
        assertEquals(List.of("repeat", " after", " me"), tokens);
    }

    @Test
    void promptTokensAreEstimatedAtFourCharactersPerToken() {
        assertEquals(1, TextGenerator.estimatePromptTokens(""));
        assertEquals(25, TextGenerator.estimatePromptTokens("x".repeat(100)));
    }

    @Test
    void aPromptWhoseAnswerWasBegunGetsTheRestOfThatAnswer() {
        String prompt = "<|begin_of_text|><|header_start|>user<|header_end|>\n\nTell me [standin:length=30]<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\n";
        Directives d = Directives.parse(prompt);
        List<String> whole = TextGenerator.answer(prompt, 0, d);
        String text = String.join("", whole);
        for (int cut : new int[]{1, 7, 29}) {
            String begun = String.join("", whole.subList(0, cut));
            assertEquals(whole.subList(cut, whole.size()), TextGenerator.answer(prompt + begun, 0, d));
        }
        // cut inside a token: the token goes on with its rest
        String begun = String.join("", whole.subList(0, 3)) + whole.get(3).substring(0, 2);
        assertEquals(text, begun + String.join("", TextGenerator.answer(prompt + begun, 0, d)));
        assertEquals(List.of(), TextGenerator.answer(prompt + text, 0, d));
        // a start it would not have written: an answer of its own, as before
        List<String> other = TextGenerator.answer(prompt + "Something else", 0, d);
        assertEquals(30, other.size());
        assertNotEquals(whole, other);
    }
}
