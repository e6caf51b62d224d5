package org.maverick.gateway.prompt;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Exact token counts with the model's own BPE, run by jtokkit from a tiktoken-format file
 * ({@code tokenizer.model}: one {@code base64(bytes) rank} line per ordinary token).
 *
 * <p>The encoding is built as Llama 4's reference tokenizer builds it: the o200k split pattern
 * ({@link #LLAMA4_SPLIT_PATTERN}, compiled with {@code UNICODE_CHARACTER_CLASS} so that
 * {@code \s} and friends mean what they mean in Python), the file's ranks, and the 2,048
 * {@link SpecialTokens} numbered from the count of ordinary tokens (200000 for Maverick's file).
 *
 * <p>Input bound, as in the reference encoder: text is cut into pieces of at most
 * {@value #MAX_ENCODE_CHARS} chars, and runs of more than {@value #MAX_RUN_CHARS} consecutive
 * whitespace or non-whitespace chars are cut, so that a pathological prompt cannot make the BPE
 * quadratic. (The reference counts code points; this counts UTF-16 chars and never cuts a
 * surrogate pair, so counts can differ only for such pathological inputs.)
 *
 * <p>Immutable and thread-safe.
 */
public final class TiktokenCounter implements TokenCounter {

    /** Llama 4's pre-tokenizer pattern (the same as OpenAI's o200k). */
    public static final String LLAMA4_SPLIT_PATTERN =
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
            + "|\\s*[\\r\\n]+"
            + "|\\s+(?!\\S)"
            + "|\\s+";

    /** Longest piece handed to the BPE in one call. */
    public static final int MAX_ENCODE_CHARS = 400_000;
    /** Longest run of whitespace or of non-whitespace handed to the BPE in one piece. */
    public static final int MAX_RUN_CHARS = 25_000;

    private final Encoding encoding;
    private final int ordinaryTokens;

    private TiktokenCounter(Encoding encoding, int ordinaryTokens) {
        this.encoding = encoding;
        this.ordinaryTokens = ordinaryTokens;
    }

    /** The compiled split pattern, shared by every counter. */
    public static Pattern splitPattern() {
        return SplitPatternHolder.PATTERN;
    }

    /**
     * Reads a tiktoken-format file and builds the encoding. Blank lines are skipped, as
     * tiktoken does. Blocking (file I/O, about a second for Maverick's 200,000 ranks): call it
     * once at start-up, never on an event-loop thread.
     *
     * @throws IllegalArgumentException naming the file and line when the file is malformed:
     *     a line that is not {@code base64 rank}, a duplicate rank or token, ranks that are not
     *     exactly {@code 0..n-1}, or a missing single-byte token
     * @throws IOException when the file cannot be read
     */
    public static TiktokenCounter load(Path tiktokenFile) throws IOException {
        Map<byte[], Integer> ranks = new HashMap<>(1 << 18);
        Set<ByteBuffer> seenTokens = new HashSet<>(1 << 18);
        Set<Integer> seenRanks = new HashSet<>(1 << 18);
        Base64.Decoder base64 = Base64.getDecoder();
        int maxRank = -1;
        try (BufferedReader reader = Files.newBufferedReader(tiktokenFile, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                int space = line.indexOf(' ');
                if (space <= 0 || space != line.lastIndexOf(' ') || space == line.length() - 1) {
                    throw malformed(tiktokenFile, lineNumber, "expected 'base64 rank'");
                }
                byte[] token;
                int rank;
                try {
                    token = base64.decode(line.substring(0, space));
                } catch (IllegalArgumentException e) {
                    throw malformed(tiktokenFile, lineNumber, "invalid base64");
                }
                try {
                    rank = Integer.parseInt(line.substring(space + 1));
                } catch (NumberFormatException e) {
                    throw malformed(tiktokenFile, lineNumber, "rank is not an integer");
                }
                if (token.length == 0) {
                    throw malformed(tiktokenFile, lineNumber, "empty token");
                }
                if (rank < 0) {
                    throw malformed(tiktokenFile, lineNumber, "negative rank");
                }
                if (!seenRanks.add(rank)) {
                    throw malformed(tiktokenFile, lineNumber, "duplicate rank " + rank);
                }
                if (!seenTokens.add(ByteBuffer.wrap(token))) {
                    throw malformed(tiktokenFile, lineNumber, "duplicate token");
                }
                ranks.put(token, rank);
                maxRank = Math.max(maxRank, rank);
            }
        }
        int count = ranks.size();
        if (count == 0) {
            throw new IllegalArgumentException("tokenizer file " + tiktokenFile + ": no tokens");
        }
        if (maxRank != count - 1) {
            throw new IllegalArgumentException("tokenizer file " + tiktokenFile
                    + ": ranks must be 0.." + (count - 1) + " but the largest is " + maxRank);
        }
        for (int b = 0; b < 256; b++) {
            if (!seenTokens.contains(ByteBuffer.wrap(new byte[] {(byte) b}))) {
                throw new IllegalArgumentException(String.format(
                        "tokenizer file %s: no token for the single byte 0x%02x", tiktokenFile, b));
            }
        }
        return build("llama4:" + tiktokenFile.getFileName(), ranks, count);
    }

    private static TiktokenCounter build(String name, Map<byte[], Integer> ranks, int count) {
        List<String> specials = SpecialTokens.llama4().all();
        Map<String, Integer> specialIds = new HashMap<>(specials.size() * 2);
        for (int i = 0; i < specials.size(); i++) {
            specialIds.put(specials.get(i), count + i);
        }
        GptBytePairEncodingParams params =
                new GptBytePairEncodingParams(name, splitPattern(), ranks, specialIds);
        Encoding encoding = Encodings.newLazyEncodingRegistry()
                .registerGptBytePairEncoding(params)
                .getEncoding(name)
                .orElseThrow(() -> new IllegalStateException("encoding not registered: " + name));
        return new TiktokenCounter(encoding, count);
    }

    private static IllegalArgumentException malformed(Path file, int line, String problem) {
        return new IllegalArgumentException("tokenizer file " + file + " line " + line + ": " + problem);
    }

    @Override
    public int countText(String ordinaryText) {
        int n = ordinaryText.length();
        if (n <= MAX_RUN_CHARS) {
            return encoding.countTokensOrdinary(ordinaryText); // no run can be too long
        }
        int total = 0;
        int start = 0;
        while (start < n) {
            int end = safeCut(ordinaryText, Math.min(n, start + MAX_ENCODE_CHARS));
            total += countBoundedRuns(ordinaryText, start, end);
            start = end;
        }
        return total;
    }

    /** Counts {@code text[from, to)}, cutting runs longer than {@link #MAX_RUN_CHARS}. */
    private int countBoundedRuns(String text, int from, int to) {
        int total = 0;
        int sliceStart = from;
        int runLength = 0;
        boolean runIsSpace = from < to && isSpace(text.charAt(from));
        for (int i = from; i < to; i++) {
            boolean space = isSpace(text.charAt(i));
            if (space != runIsSpace) {
                runIsSpace = space;
                runLength = 1;
            } else if (++runLength > MAX_RUN_CHARS) {
                int cut = Character.isLowSurrogate(text.charAt(i)) ? i - 1 : i;
                if (cut > sliceStart) {
                    total += encoding.countTokensOrdinary(text.substring(sliceStart, cut));
                    sliceStart = cut;
                }
                runLength = i - cut + 1;
            }
        }
        if (sliceStart < to) {
            total += encoding.countTokensOrdinary(text.substring(sliceStart, to));
        }
        return total;
    }

    private static int safeCut(String text, int at) {
        return at < text.length() && Character.isLowSurrogate(text.charAt(at)) ? at - 1 : at;
    }

    /** Python's {@code str.isspace} for one UTF-16 char. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || c == '\u0085' || c == '\u00A0' || c == '\u2007'
                || c == '\u202F';
    }

    @Override
    public boolean exact() {
        return true;
    }

    /** Number of ordinary (non-special) tokens; the first special token's id. */
    public int ordinaryTokens() {
        return ordinaryTokens;
    }

    /** The jtokkit encoding, for callers that need ids (special tokens included). */
    public Encoding encoding() {
        return encoding;
    }

    private static final class SplitPatternHolder {
        static final Pattern PATTERN =
                Pattern.compile(LLAMA4_SPLIT_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
    }
}
