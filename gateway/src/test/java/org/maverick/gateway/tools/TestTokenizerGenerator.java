package org.maverick.gateway.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import org.maverick.gateway.prompt.TiktokenCounter;

/**
 * Trains a small byte-level BPE on {@code tokenizer/sample.txt} and writes it in tiktoken
 * format to {@code tokenizer/test-tokenizer.model}, a stand-in for Maverick's gated 200,000-rank
 * file in tests.
 *
 * <p>Ranks 0..255 are the single bytes in byte order; each later rank is the concatenation of
 * two lower-ranked tokens (the most frequent adjacent pair within the pre-tokenizer's pieces,
 * ties broken by the smaller pair of ranks), so the output is deterministic and every multi-byte
 * token is reachable by merges. Training stops after {@value #TARGET_MERGES} new tokens or when
 * no pair is left.
 *
 * <p>Run from the {@code gateway} directory: {@code java -cp target/test-classes:target/classes
 * org.maverick.gateway.tools.TestTokenizerGenerator}; the test {@code TestTokenizerFileTest}
 * checks that the committed file is what this produces.
 */
public final class TestTokenizerGenerator {

    public static final int TARGET_MERGES = 2_000;
    public static final Path SAMPLE = Path.of("src/test/resources/tokenizer/sample.txt");
    public static final Path OUTPUT = Path.of("src/test/resources/tokenizer/test-tokenizer.model");

    private TestTokenizerGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path sample = args.length > 0 ? Path.of(args[0]) : SAMPLE;
        Path output = args.length > 1 ? Path.of(args[1]) : OUTPUT;
        String file = render(train(Files.readString(sample, StandardCharsets.UTF_8), TARGET_MERGES));
        Files.writeString(output, file, StandardCharsets.US_ASCII);
        System.out.println("wrote " + output + " (" + file.lines().count() + " ranks)");
    }

    /** The vocabulary, index = rank. */
    public static List<byte[]> train(String text, int merges) {
        List<byte[]> vocab = new ArrayList<>();
        Map<String, Integer> byBytes = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            byte[] single = {(byte) b};
            vocab.add(single);
            byBytes.put(key(single), b);
        }
        // Distinct pieces in sorted order with their frequency; each as a sequence of ranks.
        TreeMap<String, Integer> pieces = new TreeMap<>();
        Matcher matcher = TiktokenCounter.splitPattern().matcher(text);
        while (matcher.find()) {
            pieces.merge(matcher.group(), 1, Integer::sum);
        }
        List<int[]> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (Map.Entry<String, Integer> piece : pieces.entrySet()) {
            byte[] bytes = piece.getKey().getBytes(StandardCharsets.UTF_8);
            int[] word = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                word[i] = bytes[i] & 0xFF;
            }
            words.add(word);
            counts.add(piece.getValue());
        }
        int added = 0;
        while (added < merges) {
            Map<Long, Integer> pairCounts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] word = words.get(w);
                for (int i = 0; i + 1 < word.length; i++) {
                    pairCounts.merge(pair(word[i], word[i + 1]), counts.get(w), Integer::sum);
                }
            }
            if (pairCounts.isEmpty()) {
                break;
            }
            long best = -1;
            int bestCount = 0;
            for (Map.Entry<Long, Integer> e : pairCounts.entrySet()) {
                int c = e.getValue();
                if (c > bestCount || (c == bestCount && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            byte[] joined = concat(vocab.get(left), vocab.get(right));
            Integer existing = byBytes.get(key(joined));
            int id;
            if (existing != null) {
                id = existing; // the same bytes were already built from another split
            } else {
                id = vocab.size();
                vocab.add(joined);
                byBytes.put(key(joined), id);
                added++;
            }
            for (int w = 0; w < words.size(); w++) {
                words.set(w, replace(words.get(w), left, right, id));
            }
        }
        return vocab;
    }

    /** The tiktoken file text: {@code base64 rank} per line, ranks ascending. */
    public static String render(List<byte[]> vocab) {
        StringBuilder out = new StringBuilder(vocab.size() * 16);
        Base64.Encoder base64 = Base64.getEncoder();
        for (int rank = 0; rank < vocab.size(); rank++) {
            out.append(base64.encodeToString(vocab.get(rank))).append(' ').append(rank).append('\n');
        }
        return out.toString();
    }

    private static int[] replace(int[] word, int left, int right, int id) {
        int n = 0;
        int[] out = null;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                if (out == null) {
                    out = new int[word.length - 1];
                    System.arraycopy(word, 0, out, 0, i);
                    n = i;
                }
                out[n++] = id;
                i++;
            } else if (out != null) {
                out[n++] = word[i];
            }
        }
        if (out == null) {
            return word;
        }
        int[] trimmed = new int[n];
        System.arraycopy(out, 0, trimmed, 0, n);
        return trimmed;
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | right;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String key(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
