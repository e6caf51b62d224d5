package org.maverick.gateway.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.maverick.gateway.prompt.TextAssembler.Step;

class TextAssemblerTest {

    /** Output of one simulated stream. */
    private record Run(String text, List<String> deltas, boolean stopped, TextAssembler assembler) {
    }

    private static Run runDelta(List<byte[]> chunks, StopStrings stops) {
        TextAssembler assembler = TextAssembler.deltaBytes(stops);
        List<Step> steps = new ArrayList<>();
        for (byte[] chunk : chunks) {
            steps.add(assembler.acceptDelta(chunk));
        }
        steps.add(assembler.finish());
        return collect(steps, assembler);
    }

    private static Run runCumulative(List<String> texts, StopStrings stops) {
        TextAssembler assembler = TextAssembler.cumulative(stops);
        List<Step> steps = new ArrayList<>();
        for (String text : texts) {
            steps.add(assembler.acceptCumulative(text));
        }
        steps.add(assembler.finish());
        return collect(steps, assembler);
    }

    private static Run collect(List<Step> steps, TextAssembler assembler) {
        StringBuilder all = new StringBuilder();
        List<String> deltas = new ArrayList<>();
        int stops = 0;
        for (Step step : steps) {
            assertWellFormed(step.delta());
            all.append(step.delta());
            deltas.add(step.delta());
            if (step.stopped()) {
                stops++;
            }
        }
        assertTrue(stops <= 1, "stopped is reported once");
        assertEquals(stops == 1, assembler.stopped());
        assertEquals(all.length(), assembler.emittedChars());
        return new Run(all.toString(), deltas, stops == 1, assembler);
    }

    private static void assertWellFormed(String delta) {
        for (int i = 0; i < delta.length(); i++) {
            char c = delta.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < delta.length() && Character.isLowSurrogate(delta.charAt(i + 1)),
                        "delta ends inside a surrogate pair: " + delta);
                i++;
            } else {
                assertFalse(Character.isLowSurrogate(c), "delta starts inside a surrogate pair");
            }
        }
    }

    private static List<byte[]> utf8(List<String> chunks) {
        return chunks.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static List<String> cumulativeOf(List<String> chunks) {
        List<String> texts = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (String chunk : chunks) {
            texts.add(sb.append(chunk).toString());
        }
        return texts;
    }

    static Stream<Arguments> stopCases() {
        return Stream.of(
                Arguments.of("no stops", List.of(), List.of("Hello", " world"), "Hello world", false),
                Arguments.of("stop split across two chunks", List.of("STOP"),
                        List.of("abc ST", "OP def"), "abc ", true),
                Arguments.of("stop split across three chunks", List.of("</s>"),
                        List.of("x<", "/s", ">y"), "x", true),
                Arguments.of("stop one char per chunk", List.of("END"),
                        List.of("a", "E", "N", "D", "z"), "a", true),
                Arguments.of("shorter overlapping stop completes first", List.of("abc", "ab"),
                        List.of("xa", "bc"), "x", true),
                Arguments.of("earliest completing stop wins", List.of("abcd", "bc"),
                        List.of("xabcd"), "xa", true),
                Arguments.of("same end prefers the longer stop", List.of("c", "abc"),
                        List.of("xa", "bcz"), "x", true),
                Arguments.of("self-overlapping stop aab", List.of("aab"),
                        List.of("a", "a", "a", "b", "c"), "a", true),
                Arguments.of("self-overlapping stop in one chunk", List.of("aab"),
                        List.of("xaaab"), "xa", true),
                Arguments.of("stop at start", List.of("STOP"), List.of("STOP now"), "", true),
                Arguments.of("stop is the whole first chunk", List.of("STOP"),
                        List.of("STOP", "more"), "", true),
                Arguments.of("multiple stops, second matches", List.of("END", "\n\n"),
                        List.of("line one\n", "\nline two END"), "line one", true),
                Arguments.of("stop never completes, flushed at finish", List.of("STOP"),
                        List.of("abc ST"), "abc ST", false),
                Arguments.of("held prefix released when it breaks", List.of("abc"),
                        List.of("ab", "d"), "abd", false),
                Arguments.of("held prefix released then stop later", List.of("abc"),
                        List.of("ab", "ab", "c!"), "ab", true),
                Arguments.of("CJK stop", List.of("。"), List.of("你好", "世界。再见"), "你好世界", true),
                Arguments.of("emoji stop", List.of("😀!"), List.of("hi 😀", "😀!", "bye"), "hi 😀", true),
                Arguments.of("accented stop split", List.of("é!"),
                        List.of("caf", "é", "é", "!"), "café", true),
                Arguments.of("stop longer than the text", List.of("a very long stop"),
                        List.of("a very"), "a very", false),
                Arguments.of("empty chunks", List.of("xy"), List.of("", "ax", "", "yb"), "a", true));
    }

    @ParameterizedTest(name = "delta: {0}")
    @MethodSource("stopCases")
    void deltaModeStops(String name, List<String> stops, List<String> chunks, String expected,
            boolean stopped) {
        Run run = runDelta(utf8(chunks), StopStrings.of(stops));
        assertEquals(expected, run.text());
        assertEquals(stopped, run.stopped());
    }

    @ParameterizedTest(name = "cumulative: {0}")
    @MethodSource("stopCases")
    void cumulativeModeStops(String name, List<String> stops, List<String> chunks, String expected,
            boolean stopped) {
        Run run = runCumulative(cumulativeOf(chunks), StopStrings.of(stops));
        assertEquals(expected, run.text());
        assertEquals(stopped, run.stopped());
        assertEquals(0, run.assembler().divergences());
    }

    @Test
    void heldTextIsNotEmittedEarly() {
        TextAssembler assembler = TextAssembler.deltaBytes(StopStrings.of("STOP"));
        assertEquals("abc ", assembler.acceptDelta(bytes("abc ST")).delta());
        assertSame(Step.NONE, assembler.acceptDelta(bytes("O")));
        Step step = assembler.acceptDelta(bytes("P tail"));
        assertEquals(new Step("", true), step);
        assertEquals(Optional.of("STOP"), assembler.matchedStop());
        assertSame(Step.NONE, assembler.acceptDelta(bytes("ignored")));
        assertSame(Step.NONE, assembler.finish());
    }

    @Test
    void emptyStepsAreShared() {
        TextAssembler assembler = TextAssembler.deltaBytes(StopStrings.none());
        assertSame(Step.NONE, assembler.acceptDelta(new byte[0]));
        assertSame(Step.NONE, assembler.acceptDelta(new byte[] {(byte) 0xE4}));
        assertSame(Step.NONE, assembler.finish());
    }

    static Stream<String> multibyteTexts() {
        return Stream.of("😀", "a😀b", "👍🏽 ok", "日本語のテキスト", "naïve café", "x\u0301y",
                "mixed 中文 and emoji 🎉🎉", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢");
    }

    @ParameterizedTest
    @MethodSource("multibyteTexts")
    void deltaSplitAtEveryBytePositionKeepsCharactersWhole(String text) {
        byte[] all = bytes(text);
        for (int cut = 0; cut <= all.length; cut++) {
            Run run = runDelta(List.of(slice(all, 0, cut), slice(all, cut, all.length)),
                    StopStrings.none());
            assertEquals(text, run.text(), "cut at " + cut);
            assertFalse(run.text().contains("\uFFFD"));
        }
    }

    @ParameterizedTest
    @MethodSource("multibyteTexts")
    void deltaSplitIntoSingleBytesAndPairsOfCuts(String text) {
        byte[] all = bytes(text);
        List<byte[]> single = new ArrayList<>();
        for (byte b : all) {
            single.add(new byte[] {b});
        }
        assertEquals(text, runDelta(single, StopStrings.none()).text());
        for (int a = 0; a <= all.length; a++) {
            for (int b = a; b <= all.length; b++) {
                Run run = runDelta(List.of(slice(all, 0, a), slice(all, a, b), slice(all, b, all.length)),
                        StopStrings.none());
                assertEquals(text, run.text(), "cuts at " + a + ", " + b);
            }
        }
    }

    static Stream<Arguments> multibyteStops() {
        return Stream.of(
                Arguments.of("你好世界。再见", "。", "你好世界"),
                Arguments.of("smile 😀😁 done", "😁", "smile 😀"),
                Arguments.of("smile 😀😁 done", "😀😁 d", "smile "),
                Arguments.of("Straße ends here", "ße", "Stra"),
                Arguments.of("no stop in 日本語", "語!", "no stop in 日本語"));
    }

    @ParameterizedTest
    @MethodSource("multibyteStops")
    void multibyteStopAcrossEveryBytePosition(String text, String stop, String expected) {
        byte[] all = bytes(text);
        for (int a = 0; a <= all.length; a++) {
            for (int b = a; b <= all.length; b++) {
                Run run = runDelta(List.of(slice(all, 0, a), slice(all, a, b), slice(all, b, all.length)),
                        StopStrings.of(stop));
                assertEquals(expected, run.text(), "cuts at " + a + ", " + b);
                assertEquals(!expected.equals(text), run.stopped());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("multibyteStops")
    void cumulativeWithMultibyteStopAtEveryCharPosition(String text, String stop, String expected) {
        for (int cut = 0; cut <= text.length(); cut++) {
            if (cut > 0 && cut < text.length() && Character.isLowSurrogate(text.charAt(cut))) {
                continue; // a UTF-8 backend never sends half a pair; see the U+FFFD tests
            }
            Run run = runCumulative(List.of(text.substring(0, cut), text), StopStrings.of(stop));
            assertEquals(expected, run.text(), "cut at " + cut);
        }
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        Run run = runDelta(List.of(new byte[] {'a', (byte) 0xFF, 'b', (byte) 0xC0, (byte) 0x80, 'c'}),
                StopStrings.none());
        assertEquals("a\uFFFDb\uFFFD\uFFFDc", run.text());
    }

    @Test
    void truncatedSequenceFollowedByAsciiIsOneReplacement() {
        Run run = runDelta(List.of(new byte[] {(byte) 0xE4, (byte) 0xBD}, new byte[] {'A'}),
                StopStrings.none());
        assertEquals("\uFFFDA", run.text());
        assertEquals(0, run.assembler().droppedIncomplete());
    }

    @Test
    void incompleteTailAtEndIsDroppedAndCounted() {
        Run run = runDelta(List.of(new byte[] {'o', 'k', (byte) 0xF0, (byte) 0x9F}), StopStrings.none());
        assertEquals("ok", run.text());
        assertEquals(1, run.assembler().droppedIncomplete());
    }

    @Test
    void randomBytesDecodeLikeTheJdkWhateverTheChunking() {
        Random random = new Random(42);
        String[] pieces = {"a", "é", "中", "😀", " ", "\n"};
        for (int round = 0; round < 500; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int parts = 1 + random.nextInt(12);
            for (int p = 0; p < parts; p++) {
                if (random.nextInt(4) == 0) {
                    out.write(random.nextInt(256)); // garbage or a stray piece of a sequence
                } else {
                    out.writeBytes(bytes(pieces[random.nextInt(pieces.length)]));
                }
            }
            out.write('.'); // so that no incomplete tail is left at the end
            byte[] all = out.toByteArray();
            List<byte[]> chunks = new ArrayList<>();
            int at = 0;
            while (at < all.length) {
                int next = Math.min(all.length, at + 1 + random.nextInt(4));
                chunks.add(slice(all, at, next));
                at = next;
            }
            assertEquals(new String(all, StandardCharsets.UTF_8),
                    runDelta(chunks, StopStrings.none()).text(), "round " + round);
        }
    }

    /**
     * Obviously-correct stop semantics: where the text is cut by the first stop to complete
     * (the longest on a tie), or -1 when no stop occurs.
     */
    private static int referenceCut(String text, List<String> stops) {
        for (int end = 1; end <= text.length(); end++) {
            int longest = 0;
            for (String stop : stops) {
                if (end >= stop.length() && text.startsWith(stop, end - stop.length())) {
                    longest = Math.max(longest, stop.length());
                }
            }
            if (longest > 0) {
                return end - longest;
            }
        }
        return -1;
    }

    private static final String[] ALPHABET = {"a", "b", "é", "😀", " ", "中"};

    private static String randomText(Random random, int maxUnits) {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(maxUnits + 1);
        for (int i = 0; i < n; i++) {
            sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    private static List<String> randomStops(Random random) {
        List<String> stops = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            String stop = randomText(random, 3);
            if (!stop.isEmpty()) {
                stops.add(stop);
            }
        }
        return stops;
    }

    @Test
    void randomDeltaStreamsMatchReference() {
        Random random = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            String text = randomText(random, 20);
            List<String> stops = randomStops(random);
            byte[] all = bytes(text);
            List<byte[]> chunks = new ArrayList<>();
            int at = 0;
            while (at < all.length) {
                int next = Math.min(all.length, at + 1 + random.nextInt(5));
                chunks.add(slice(all, at, next));
                at = next;
            }
            Run run = runDelta(chunks, StopStrings.of(stops));
            int cut = referenceCut(text, stops);
            assertEquals(cut < 0 ? text : text.substring(0, cut), run.text(), "text " + text + " stops " + stops);
            assertEquals(cut >= 0, run.stopped());
        }
    }

    @Test
    void randomCumulativeStreamsWithIncompleteTailsMatchReference() {
        Random random = new Random(11);
        for (int round = 0; round < 2_000; round++) {
            String text = randomText(random, 20);
            List<String> stops = randomStops(random);
            List<String> responses = new ArrayList<>();
            int at = 0;
            while (at < text.length()) {
                at = Math.min(text.length(), at + 1 + random.nextInt(4));
                if (at < text.length() && Character.isLowSurrogate(text.charAt(at))) {
                    at++;
                }
                String prefix = text.substring(0, at);
                int cp = prefix.codePointBefore(prefix.length());
                if (cp > 0x7F && random.nextBoolean()) {
                    // The backend saw only part of the last character's bytes.
                    prefix = prefix.substring(0, prefix.length() - Character.charCount(cp)) + "\uFFFD";
                }
                responses.add(prefix);
            }
            responses.add(text);
            Run run = runCumulative(responses, StopStrings.of(stops));
            int cut = referenceCut(text, stops);
            assertEquals(cut < 0 ? text : text.substring(0, cut), run.text(),
                    "responses " + responses + " stops " + stops);
            assertEquals(cut >= 0, run.stopped());
            assertEquals(0, run.assembler().divergences());
            assertFalse(run.text().contains("\uFFFD"));
        }
    }

    @Test
    void cumulativeShrinkAfterEngineTrimsStop() {
        Run run = runCumulative(List.of("Hello E", "Hello EN", "Hello "), StopStrings.of("END"));
        assertEquals(List.of("Hello ", "", "", ""), run.deltas());
        assertFalse(run.stopped());
        assertEquals(0, run.assembler().divergences());
    }

    @Test
    void cumulativeStopCompletedBeforeEngineTrim() {
        Run run = runCumulative(List.of("Hello E", "Hello END", "Hello "), StopStrings.of("END"));
        assertEquals("Hello ", run.text());
        assertTrue(run.stopped());
    }

    @Test
    void cumulativeHoldsReplacementCharacterUntilCompleted() {
        Run run = runCumulative(List.of("caf\uFFFD", "café au lait"), StopStrings.none());
        assertEquals(List.of("caf", "é au lait", ""), run.deltas());
        assertEquals(0, run.assembler().droppedIncomplete());
    }

    @Test
    void cumulativeHoldsSeveralReplacementCharactersForAnEmoji() {
        Run run = runCumulative(List.of("a\uFFFD", "a\uFFFD\uFFFD", "a😀", "a😀b"), StopStrings.none());
        assertEquals(List.of("a", "", "😀", "b", ""), run.deltas());
    }

    @Test
    void cumulativeReplacementAtEndIsDroppedAndCounted() {
        Run run = runCumulative(List.of("ok", "ok\uFFFD"), StopStrings.none());
        assertEquals("ok", run.text());
        assertEquals(1, run.assembler().droppedIncomplete());
    }

    @Test
    void cumulativeDivergenceWaitsAndResumes() {
        Run run = runCumulative(List.of("Hello wor", "Hello WORLD", "Hello world!"), StopStrings.none());
        assertEquals(List.of("Hello wor", "", "ld!", ""), run.deltas());
        assertEquals(1, run.assembler().divergences());
    }

    @Test
    void cumulativeDivergenceNeverContradictsEmittedText() {
        Run run = runCumulative(List.of("abc", "xyz", "xyzw", "ab"), StopStrings.none());
        assertEquals("abc", run.text());
        assertEquals(3, run.assembler().divergences());
    }

    @Test
    void cumulativeChangeInsideHeldTextResyncsSilently() {
        Run run = runCumulative(List.of("a ST", "a SX", "a SXY"), StopStrings.of("STOP"));
        assertEquals(List.of("a ", "SX", "Y", ""), run.deltas());
        assertEquals(0, run.assembler().divergences());
    }

    @Test
    void cumulativeRepeatedTextEmitsNothingTwice() {
        TextAssembler assembler = TextAssembler.cumulative(StopStrings.none());
        assertEquals("abc", assembler.acceptCumulative("abc").delta());
        assertSame(Step.NONE, assembler.acceptCumulative("abc"));
        assertEquals("d", assembler.acceptCumulative("abcd").delta());
    }

    @Test
    void wrongModeAndUseAfterFinishAreRefused() {
        TextAssembler cumulative = TextAssembler.cumulative(StopStrings.none());
        assertThrows(IllegalStateException.class, () -> cumulative.acceptDelta(bytes("x")));
        TextAssembler delta = TextAssembler.deltaBytes(StopStrings.none());
        assertThrows(IllegalStateException.class, () -> delta.acceptCumulative("x"));
        delta.finish();
        assertThrows(IllegalStateException.class, () -> delta.acceptDelta(bytes("x")));
        assertSame(Step.NONE, delta.finish());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\uD83D", "a\uDE00"})
    void malformedStopStringsAreRefused(String stop) {
        assertThrows(IllegalArgumentException.class, () -> StopStrings.of(List.of("ok", stop)));
    }

    @Test
    void duplicateStopsAreMerged() {
        assertEquals(List.of("a", "b"), StopStrings.of("a", "b", "a").asList());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] slice(byte[] all, int from, int to) {
        byte[] out = new byte[to - from];
        System.arraycopy(all, from, out, 0, out.length);
        return out;
    }

    /**
     * The bytes path decodes only what follows its checkpoint; the string path decodes everything.
     * Driven in lockstep with what TensorRT-LLM's llmapi model sends (the detokenised text so far,
     * with U+FFFD for a character whose bytes are not all generated yet), plus engine-side trims and
     * rewrites, both must emit exactly the same steps.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 20260425, 7_000_001})
    void cumulativeBytesEmitExactlyWhatTheWholeTextWouldEmit(long seed) {
        Random random = new Random(seed);
        String[] pieces = {"a", "b", " ", "the", "\n", "é", "ß", "中", "文", "😀", "🚀", "STOP", "<|eot|>", "\u00a0", "x"};
        for (int run = 0; run < 200; run++) {
            StringBuilder answer = new StringBuilder();
            int length = 1 + random.nextInt(60);
            for (int k = 0; k < length; k++) {
                answer.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] all = answer.toString().getBytes(StandardCharsets.UTF_8);
            List<String> stops = random.nextBoolean() ? List.of("STOP") : List.of();
            TextAssembler whole = TextAssembler.cumulative(StopStrings.of(stops));
            TextAssembler bytes = TextAssembler.cumulative(StopStrings.of(stops));
            int at = 0;
            while (at < all.length && !whole.stopped()) {
                at = Math.min(all.length, at + 1 + random.nextInt(6));
                String text = new String(all, 0, at, StandardCharsets.UTF_8);
                int roll = random.nextInt(20);
                // (an engine's text is whole code points: never half a surrogate pair)
                if (roll == 0 && text.length() > 3) {
                    int cut = text.length() - 1 - random.nextInt(3);
                    text = text.substring(0, Character.isLowSurrogate(text.charAt(cut)) ? cut - 1 : cut); // a trim
                } else if (roll == 1 && text.length() > 2) {
                    text = "Z" + text.substring(Character.charCount(text.codePointAt(0))); // a rewrite of early text
                }
                Step expected = whole.acceptCumulative(text);
                Step actual = bytes.acceptCumulative(text.getBytes(StandardCharsets.UTF_8));
                assertEquals(expected, actual, "seed " + seed + " run " + run + " at " + at + ": " + text);
                assertEquals(whole.divergences(), bytes.divergences());
            }
            if (!whole.stopped()) {
                assertEquals(whole.finish(), bytes.finish());
            }
            assertEquals(whole.emittedChars(), bytes.emittedChars());
        }
    }

    @Test
    void cumulativeBytesTakeOnlyTheNewTextOfALongAnswer() {
        TextAssembler a = TextAssembler.cumulative(StopStrings.of(List.of()));
        StringBuilder text = new StringBuilder();
        StringBuilder emitted = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            text.append(i % 7 == 0 ? "中" : "word ").append(i % 50 == 0 ? "😀" : "");
            emitted.append(a.acceptCumulative(text.toString().getBytes(StandardCharsets.UTF_8)).delta());
        }
        emitted.append(a.finish().delta());
        assertEquals(text.toString(), emitted.toString());
    }

    @Test
    void cumulativeBytesHoldAnIncompleteCharacterUntilItsBytesArrive() {
        TextAssembler a = TextAssembler.cumulative(StopStrings.of(List.of()));
        assertEquals("ab", a.acceptCumulative("ab\uFFFD".getBytes(StandardCharsets.UTF_8)).delta());
        assertSame(Step.NONE, a.acceptCumulative("ab\uFFFD\uFFFD".getBytes(StandardCharsets.UTF_8)));
        assertEquals("😀c", a.acceptCumulative("ab😀c".getBytes(StandardCharsets.UTF_8)).delta());
        // raw bytes cut inside a character decode to U+FFFD too, and are held the same way
        byte[] cut = Arrays.copyOf("ab😀c中".getBytes(StandardCharsets.UTF_8), 9);
        assertSame(Step.NONE, a.acceptCumulative(cut));
        assertEquals("中", a.acceptCumulative("ab😀c中".getBytes(StandardCharsets.UTF_8)).delta());
    }
}
