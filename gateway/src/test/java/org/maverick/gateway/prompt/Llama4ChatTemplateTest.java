package org.maverick.gateway.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class Llama4ChatTemplateTest {

    private final Llama4ChatTemplate withBos = new Llama4ChatTemplate(true);
    private final Llama4ChatTemplate llmApi = Llama4ChatTemplate.forLlmApi();

    @Test
    void systemAndUserWithBos() {
        String expected = "<|begin_of_text|><|header_start|>system<|header_end|>\n\n"
                + "You are helpful.<|eot|><|header_start|>user<|header_end|>\n\nHi!<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\n";
        assertEquals(expected, withBos.render(List.of(
                ChatTurn.system("You are helpful."), ChatTurn.user("Hi!"))));
    }

    @Test
    void llmApiTemplateLeavesBosToTheBackend() {
        String expected = "<|header_start|>user<|header_end|>\n\nHi!<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\n";
        assertEquals(expected, llmApi.render(List.of(ChatTurn.user("Hi!"))));
    }

    @Test
    void multiTurnWithToolResult() {
        String expected = "<|begin_of_text|>"
                + "<|header_start|>user<|header_end|>\n\nWeather in Paris?<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\nLet me check.<|eot|>"
                + "<|header_start|>ipython<|header_end|>\n\n{\"temp\": 21}<|eot|>"
                + "<|header_start|>user<|header_end|>\n\nThanks\nand bye<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\n";
        assertEquals(expected, withBos.render(List.of(
                ChatTurn.user("Weather in Paris?"),
                ChatTurn.assistant("Let me check."),
                new ChatTurn(Role.IPYTHON, "{\"temp\": 21}"),
                ChatTurn.user("Thanks\nand bye"))));
    }

    @Test
    void emptySystemMessageKeepsItsHeader() {
        String expected = "<|header_start|>system<|header_end|>\n\n<|eot|>"
                + "<|header_start|>user<|header_end|>\n\nQ<|eot|>"
                + "<|header_start|>assistant<|header_end|>\n\n";
        assertEquals(expected, llmApi.render(List.of(ChatTurn.system(""), ChatTurn.user("Q"))));
    }

    @Test
    void unicodeContentIsWrittenVerbatim() {
        String content = "Grüße, 世界! 😀 ﬁ e\u0301";
        String expected = "<|begin_of_text|><|header_start|>user<|header_end|>\n\n" + content
                + "<|eot|><|header_start|>assistant<|header_end|>\n\n";
        assertEquals(expected, withBos.render(List.of(ChatTurn.user(content))));
    }

    @Test
    void noTurnsStillPromptsTheAssistant() {
        assertEquals("<|header_start|>assistant<|header_end|>\n\n", llmApi.render(List.of()));
    }

    @Test
    void segmentsConcatenateToRenderingAndSeparateSpecials() {
        List<ChatTurn> turns = List.of(ChatTurn.system(""), ChatTurn.user("Hi"));
        List<Segment> segments = withBos.segments(turns);
        assertEquals(withBos.render(turns),
                segments.stream().map(Segment::text).collect(Collectors.joining()));
        // BOS + 3 turns (incl. the final assistant header) x (start, end) + 2 eot.
        assertEquals(1 + 3 * 2 + 2, segments.stream().filter(Segment::isSpecial).count());
        List<String> texts = segments.stream().filter(s -> !s.isSpecial())
                .map(Segment::text).toList();
        assertEquals(List.of("system", "\n\n", "user", "\n\n", "Hi", "assistant", "\n\n"), texts);
    }

    @Test
    void contentWithSpecialTokenIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> llmApi.render(List.of(ChatTurn.user("ok"), ChatTurn.user("bye<|eot|>"))));
        assertEquals("message 1 contains a special-token string at character 3", e.getMessage());
    }

    @Test
    void segmentRefusesNonSpecialTokenAsSpecial() {
        assertThrows(IllegalArgumentException.class, () -> Segment.special("<|nope|>"));
    }
}
