package org.maverick.gateway.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TiktokenCounterTest {

    private static TiktokenCounter counter;
    private static Map<String, Integer> ranks;

    @BeforeAll
    static void load() throws Exception {
        Path file = Path.of(TiktokenCounterTest.class.getResource("/tokenizer/test-tokenizer.model").toURI());
        counter = TiktokenCounter.load(file);
        ranks = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.split(" ");
            ranks.put(new String(Base64.getDecoder().decode(parts[0]), StandardCharsets.ISO_8859_1),
                    Integer.parseInt(parts[1]));
        }
    }

    /**
     * Slow, obviously-correct tiktoken BPE used only to cross-check jtokkit with our
     * parameters: split with the pattern, then repeatedly merge the adjacent pair whose
     * concatenation has the lowest rank.
     */
    private static int referenceCount(String text) {
        int total = 0;
        Matcher m = TiktokenCounter.splitPattern().matcher(text);
        while (m.find()) {
            String bytes = new String(m.group().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            List<String> parts = new ArrayList<>();
            for (char c : bytes.toCharArray()) {
                parts.add(String.valueOf(c));
            }
            while (true) {
                int bestRank = Integer.MAX_VALUE;
                int bestAt = -1;
                for (int i = 0; i + 1 < parts.size(); i++) {
                    Integer r = ranks.get(parts.get(i) + parts.get(i + 1));
                    if (r != null && r < bestRank) {
                        bestRank = r;
                        bestAt = i;
                    }
                }
                if (bestAt < 0) {
                    break;
                }
                parts.set(bestAt, parts.get(bestAt) + parts.remove(bestAt + 1));
            }
            total += parts.size();
        }
        return total;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog. It's 2026-11-23; they'll say 12345.",
        "Größere Straßen führen über die Brücke. Ça va? ¿Dónde está?",
        "今天天气很好，我们一起去公园散步吧。東京から大阪まで",
        "Emoji 😀👍🏽🇫🇷 and ❤️ mixed with text",
        "tabs\tand\n\nnewlines\r\n  trailing   ",
        "code: for (int i = 0; i < n; i++) { x += y[i]; }",
        "<|eot|> looks special but is ordinary text <|header_start|>",
        "",
        " ",
        "\u00a0non-breaking\u2003spaces\u3000wide",
    })
    void encodeDecodeRoundTripAndCountsMatchReference(String text) {
        IntArrayList ids = counter.encoding().encodeOrdinary(text);
        assertEquals(text, counter.encoding().decode(ids));
        assertEquals(ids.size(), counter.countText(text));
        assertEquals(referenceCount(text), counter.countText(text));
        for (int i = 0; i < ids.size(); i++) {
            assertTrue(ids.get(i) < counter.ordinaryTokens(), "ordinary text produced a special id");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", value = {
        "a => 1",
        "' the' => 1",
        "Hello => 3",
        "' gateway' => 1",
        "新幹線で行きます => 4",
        "'x' => 1",
        "😀 => 3",
        "ẞ => 3",
        "'   ' => 1",
    })
    void countsOfKnownPieces(String text, int expected) {
        // Pinned values for the test vocabulary, each also checked against the reference.
        assertEquals(expected, counter.countText(text));
        assertEquals(referenceCount(text), counter.countText(text));
    }

    static Stream<Arguments> splits() {
        return Stream.of(
                Arguments.of("Hello world", List.of("Hello", " world")),
                Arguments.of("I'm HAPPY they'LL go", List.of("I'm", " HAPPY", " they'LL", " go")),
                Arguments.of("1234567", List.of("123", "456", "7")),
                Arguments.of("你好 世界", List.of("你好", " 世界")),
                Arguments.of("x  \n\ny", List.of("x", "  \n\n", "y")),
                Arguments.of("a   b", List.of("a", "  ", " b")),
                // Needs UNICODE_CHARACTER_CLASS: U+3000 is whitespace, as in Python.
                Arguments.of("a\u3000\u3000b", List.of("a", "\u3000", "\u3000b")),
                Arguments.of("path/to\n", List.of("path", "/to", "\n")),
                Arguments.of("don't!!! ok?\n\n", List.of("don't", "!!!", " ok", "?\n\n")),
                Arguments.of("ÉCOLE élève", List.of("ÉCOLE", " élève")),
                Arguments.of("😀😀 x", List.of("😀😀", " x")));
    }

    @ParameterizedTest
    @MethodSource("splits")
    void splitPatternCutsLikeO200k(String text, List<String> pieces) {
        List<String> actual = new ArrayList<>();
        Matcher m = TiktokenCounter.splitPattern().matcher(text);
        while (m.find()) {
            actual.add(m.group());
        }
        assertEquals(pieces, actual);
    }

    @Test
    void specialTokenTextInContentIsOrdinaryText() {
        assertTrue(counter.countText(SpecialTokens.EOT) > 1);
        assertEquals(referenceCount(SpecialTokens.EOT), counter.countText(SpecialTokens.EOT));
    }

    @Test
    void specialTokensAreNumberedAfterOrdinaryTokens() {
        assertEquals(2256, counter.ordinaryTokens());
        IntArrayList ids = new IntArrayList();
        ids.add(counter.ordinaryTokens() + SpecialTokens.llama4().index(SpecialTokens.EOT));
        assertEquals(SpecialTokens.EOT, counter.encoding().decode(ids));
    }

    @Test
    void promptCountIsSpecialsPlusContentTokens() {
        Llama4ChatTemplate template = new Llama4ChatTemplate(true);
        List<ChatTurn> turns = List.of(
                ChatTurn.system("You are a helpful assistant."),
                ChatTurn.user("Wie spät ist es in 東京? 😀"));
        List<Segment> segments = template.segments(turns);
        int specials = 1 + 3 * 2 + 2; // BOS, 3 headers, 2 eot
        int text = counter.countText("system") + counter.countText("user")
                + counter.countText("assistant") + 3 * counter.countText("\n\n")
                + counter.countText(turns.get(0).content()) + counter.countText(turns.get(1).content());
        assertEquals(specials + text, counter.countPrompt(segments));
        assertTrue(counter.exact());
    }

    @Test
    void longRunsAreCutLikeTheReferenceEncoder() {
        String run = "a".repeat(60_000);
        int expected = 2 * counter.countText("a".repeat(25_000)) + counter.countText("a".repeat(10_000));
        assertEquals(expected, counter.countText(run));
        String spaces = " ".repeat(100_000) + "x";
        assertTrue(counter.countText(spaces) > 0);
    }

    @Test
    void longMixedTextIsCountedPieceByPiece() {
        String sentence = "The gateway counts tokens. ";
        String text = sentence.repeat(2_000); // 54,000 chars: above the fast path, short runs
        assertEquals(referenceCount(text), counter.countText(text),
                "no cut changes a text whose runs are all short");
    }

    @Test
    void estimatingCounterIsFourBytesPerToken() {
        EstimatingCounter estimate = new EstimatingCounter();
        assertFalse(estimate.exact());
        assertEquals(0, estimate.countText(""));
        assertEquals(1, estimate.countText("abcd"));
        assertEquals(2, estimate.countText("abcde"));
        assertEquals(3, estimate.countText("東京都")); // 9 bytes
        assertEquals(1, estimate.countText("😀"));
        assertEquals(1 + 1, estimate.countPrompt(List.of(Segment.special(SpecialTokens.EOT), Segment.text("hey"))));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '"', value = {
        "\"QQ== 0\\nnot-base64!! 1\" => line 2: invalid base64",
        "\"QQ==\" => line 1: expected 'base64 rank'",
        "\"QQ== one\" => line 1: rank is not an integer",
        "\"QQ== 0 extra\" => line 1: expected 'base64 rank'",
        "\"QQ== 0\\nQg== 0\" => line 2: duplicate rank 0",
        "\"QQ== 0\\nQQ== 1\" => line 2: duplicate token",
        "\"QQ== -1\" => line 1: negative rank",
        "\"QQ== 0\\n\\nQg== 5\" => ranks must be 0..1 but the largest is 5",
        "\"QQ== 0\\nQg== 1\" => no token for the single byte 0x00",
        "\"\" => no tokens",
    })
    void malformedFilesAreRefusedWithFileAndLine(String content, String problem, @TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("bad.model");
        Files.writeString(file, content.replace("\\n", "\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TiktokenCounter.load(file));
        assertTrue(e.getMessage().startsWith("tokenizer file " + file), e.getMessage());
        assertTrue(e.getMessage().endsWith(problem), e.getMessage());
    }
}
