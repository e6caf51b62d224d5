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
}
