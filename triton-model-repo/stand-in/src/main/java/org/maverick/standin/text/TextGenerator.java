package org.maverick.standin.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Deterministic, readable stand-in text. A stand-in "token" is a word piece: a word with its
 * leading space ({@code " river"}), or a punctuation mark ({@code ","}, {@code "."}). The first
 * token of an answer has no leading space. The same prompt and seed always give the same tokens.
 *
 * <p>Answers are sentences of 5 to 14 words drawn from a built-in list; the natural length is
 * 40 to 160 tokens chosen from the prompt's hash (or {@code [standin:length=N]}), and the last
 * token is always a full stop.
 *
 * <p>Like a model decoding greedily, it continues its own answer: a prompt whose assistant turn already holds the
 * start of the answer it would give (a gateway continuing an interrupted generation) gets the rest of that answer,
 * so the start plus the continuation is the uncut answer.
 */
public final class TextGenerator {

    private static final String[] WORDS = (
            "the a river stone light morning garden quiet city market road window paper story "
            + "music winter summer evening bridge harbor forest mountain valley signal engine "
            + "model token stream answer question reason simple careful bright gentle steady "
            + "early late small large open clear warm cold green blue silver golden old new "
            + "walks carries builds finds keeps holds follows reaches opens turns writes reads "
            + "listens waits moves grows shines rests returns begins measures counts and or but "
            + "with under over between through across near beside after before while because "
            + "every many some few each this that its their our people teacher traveler worker "
            + "friend neighbor child doctor painter sailor farmer baker library station kitchen "
            + "lantern compass ladder candle letter basket orchard meadow island shore cloud rain "
            + "wind snow field path door table chair clock map note song voice idea plan work time")
            .split(" ");

    /** Multi-byte words: 2-byte accents, 3-byte CJK, 4-byte emoji and a 4-byte letter. */
    private static final String[] UTF8_WORDS = {
        "café", "naïve", "über", "Zürich", "señor", "façade", "crème", "déjà", "smörgåsbord",
        "東京", "日本語", "漢字", "中文", "雨", "山", "한국어", "Ελλάδα", "мир",
        "🙂", "🚀", "🌍", "🎵", "👍🏽", "𝄞", "𠜎", "€", "½", "—"
    };

    private static final Pattern TEMPLATE_TAIL =
            Pattern.compile("<\\|header_start\\|>assistant<\\|header_end\\|>\\s*$");
    private static final Pattern SPECIAL = Pattern.compile("<\\|[a-z_0-9]+\\|>");
    private static final String ASSISTANT = "<|header_start|>assistant<|header_end|>\n\n";

    private TextGenerator() {
    }

    /**
     * The whole natural answer as tokens; the caller stops early for max tokens or stop strings.
     */
    public static List<String> answer(String prompt, long seed, Directives directives) {
        if (directives.echo()) {
            return echo(prompt);
        }
        var tools = ToolAnswers.answer(prompt, directives);
        if (tools.isPresent()) {
            return tools.get();
        }
        int turn = prompt.lastIndexOf(ASSISTANT);
        if (turn >= 0 && turn + ASSISTANT.length() < prompt.length()) {
            Optional<List<String>> rest = rest(answer(prompt.substring(0, turn + ASSISTANT.length()), seed, directives),
                    prompt.substring(turn + ASSISTANT.length()));
            if (rest.isPresent()) {
                return rest.get();
            }
        }
        SplittableRandom random = new SplittableRandom(hash(prompt) * 31 + seed);
        int length = directives.length().orElse(40 + random.nextInt(121));
        boolean multiByte = directives.utf8() || directives.fffd();
        List<String> tokens = new ArrayList<>(length);
        int sentenceLeft = 0;
        boolean sentenceStart = true;
        while (tokens.size() < length) {
            int remaining = length - tokens.size();
            if (remaining == 1) {
                tokens.add(".");
                break;
            }
            if (sentenceLeft == 0 && !sentenceStart) {
                tokens.add(random.nextInt(8) == 0 ? "!" : ".");
                sentenceStart = true;
                continue;
            }
            if (sentenceStart) {
                sentenceLeft = 5 + random.nextInt(10);
            }
            String word = multiByte && random.nextInt(3) == 0
                    ? UTF8_WORDS[random.nextInt(UTF8_WORDS.length)]
                    : WORDS[random.nextInt(WORDS.length)];
            if (sentenceStart) {
                word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
            }
            tokens.add(tokens.isEmpty() ? word : " " + word);
            sentenceStart = false;
            sentenceLeft--;
            if (sentenceLeft > 2 && random.nextInt(9) == 0 && tokens.size() < length - 2) {
                tokens.add(",");
            }
        }
        return tokens;
    }

    /**
     * The tokens of {@code whole} after its start {@code begun} (a token split by it continues with its rest), or
     * empty when {@code whole} does not start with it.
     */
    private static Optional<List<String>> rest(List<String> whole, String begun) {
        int at = 0;
        for (int i = 0; i < whole.size(); i++) {
            String token = whole.get(i);
            int left = begun.length() - at;
            if (left <= 0) {
                return Optional.of(List.copyOf(whole.subList(i, whole.size())));
            }
            if (token.length() <= left ? !begun.startsWith(token, at) : !token.startsWith(begun.substring(at))) {
                return Optional.empty();
            }
            if (token.length() > left) {
                List<String> out = new ArrayList<>();
                out.add(token.substring(left));
                out.addAll(whole.subList(i + 1, whole.size()));
                return Optional.of(out);
            }
            at += token.length();
        }
        return at == begun.length() ? Optional.of(List.of()) : Optional.empty();
    }

    /** Tokens of the prompt's last line (chat-template markup and directives removed). */
    static List<String> echo(String prompt) {
        String text = TEMPLATE_TAIL.matcher(Directives.strip(prompt)).replaceAll("");
        text = SPECIAL.matcher(text).replaceAll("").stripTrailing();
        String lastLine = text.substring(text.lastIndexOf('\n') + 1).strip();
        List<String> tokens = new ArrayList<>();
        for (String word : lastLine.split(" +")) {
            if (!word.isEmpty()) {
                tokens.add(tokens.isEmpty() ? word : " " + word);
            }
        }
        return tokens;
    }

    /** The stand-in's prompt-token estimate: about four characters per token. */
    public static int estimatePromptTokens(String prompt) {
        return Math.max(1, (prompt.length() + 3) / 4);
    }

    /** A stable 64-bit hash of the prompt's UTF-8 bytes (FNV-1a). */
    static long hash(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
