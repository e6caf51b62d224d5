package org.maverick.gateway.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestTokenizerFileTest {

    static Path resource(String name) throws Exception {
        return Path.of(TestTokenizerFileTest.class.getResource("/tokenizer/" + name).toURI());
    }

    @Test
    void generatorReproducesTheCommittedFile() throws Exception {
        String sample = Files.readString(resource("sample.txt"), StandardCharsets.UTF_8);
        String generated = TestTokenizerGenerator.render(
                TestTokenizerGenerator.train(sample, TestTokenizerGenerator.TARGET_MERGES));
        assertEquals(Files.readString(resource("test-tokenizer.model"), StandardCharsets.US_ASCII),
                generated, "regenerate with TestTokenizerGenerator.main and commit the file");
    }

    @Test
    void everyMultiByteTokenIsTwoLowerRankedTokens() throws Exception {
        String sample = Files.readString(resource("sample.txt"), StandardCharsets.UTF_8);
        List<byte[]> vocab = TestTokenizerGenerator.train(sample, TestTokenizerGenerator.TARGET_MERGES);
        assertEquals(256 + TestTokenizerGenerator.TARGET_MERGES, vocab.size());
        Map<String, Integer> rank = new HashMap<>();
        for (int r = 0; r < vocab.size(); r++) {
            rank.put(new String(vocab.get(r), StandardCharsets.ISO_8859_1), r);
        }
        for (int r = 0; r < 256; r++) {
            assertArrayEquals(new byte[] {(byte) r}, vocab.get(r));
        }
        for (int r = 256; r < vocab.size(); r++) {
            String token = new String(vocab.get(r), StandardCharsets.ISO_8859_1);
            boolean split = false;
            for (int cut = 1; cut < token.length() && !split; cut++) {
                Integer left = rank.get(token.substring(0, cut));
                Integer right = rank.get(token.substring(cut));
                split = left != null && right != null && left < r && right < r;
            }
            assertTrue(split, "rank " + r + " is not a merge of lower ranks");
        }
    }
}
