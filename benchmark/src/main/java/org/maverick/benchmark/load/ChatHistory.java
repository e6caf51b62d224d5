package org.maverick.benchmark.load;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.SplittableRandom;

/**
 * A long chat as a client sends it: a system message, then user questions and longer assistant answers
 * taking turns, up to about {@code tokens} prompt tokens, as many messages as that takes (about 500 tokens a
 * pair), never one giant string. The text is prose: sentences of common words with commas, paragraphs, a
 * few numbers, and in the answers the typographic apostrophe and dash (U+2019, U+2014) that models write,
 * so those strings are not Latin-1 (as in real histories), and JSON escapes (newlines, quotes).
 *
 * <p>Tokens are estimated at four UTF-8 bytes each, as the gateway's default counter and the stand-in count
 * them, plus five per message for the template's header and end-of-turn; the last user message (the request's
 * own, with the stand-in's directives) is not part of the history. Deterministic for a seed, so every target
 * of a run gets the same conversation.
 */
public final class ChatHistory {

    /** Tokens the template adds per message: header start, role, header end, the blank line, end of turn. */
    static final int TEMPLATE_TOKENS_PER_MESSAGE = 5;

    private static final String[] WORDS = {
        "the", "river", "stone", "light", "garden", "window", "signal", "harbor", "meadow", "and", "of", "to",
        "a", "in", "that", "is", "was", "for", "on", "with", "as", "it", "be", "at", "by", "this", "from", "or",
        "have", "an", "they", "which", "one", "you", "were", "all", "we", "when", "your", "can", "said", "there",
        "use", "each", "how", "their", "if", "will", "up", "other", "about", "out", "many", "then", "them",
        "these", "so", "some", "would", "make", "like", "into", "time", "has", "look", "two", "more", "write",
        "see", "number", "way", "could", "people", "than", "first", "water", "been", "call", "who", "now",
        "find", "long", "down", "day", "did", "get", "come", "made", "may", "part", "over", "new", "sound",
        "take", "only", "little", "work", "know", "place", "year", "live", "back", "give", "most", "very",
        "after", "thing", "just", "name", "good", "sentence", "man", "think", "say", "great", "where", "help",
        "through", "much", "before", "line", "right", "too", "mean", "old", "any", "same", "tell", "boy",
        "follow", "came", "want", "show", "also", "around", "form", "three", "small", "set", "put", "end",
        "does", "another", "well", "large", "must", "big", "even", "such", "because", "turn", "here", "why",
        "ask", "went", "men", "read", "need", "land", "different", "home", "us", "move", "try", "kind", "hand",
        "picture", "again", "change", "off", "play", "spell", "air", "away", "animal", "house", "point", "page",
        "letter", "mother", "answer", "found", "study", "still", "learn", "should", "America", "world",
        "configuration", "deployment", "latency", "throughput", "gateway", "request", "response", "stream"};

    private ChatHistory() {
    }

    /**
     * The history's messages (without the request's own last user message), about {@code tokens} prompt
     * tokens in all when templated.
     */
    public static ArrayNode messages(int tokens, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        int budget = tokens;
        String system = prose(random, 160, false);
        messages.addObject().put("role", "system").put("content", "You are a helpful assistant. " + system);
        budget -= estimate(messages.get(0).get("content").asText());
        boolean user = true;
        while (budget > TEMPLATE_TOKENS_PER_MESSAGE + 8) {
            int want = user ? 60 + random.nextInt(200) : 200 + random.nextInt(400);
            want = Math.min(want, budget - TEMPLATE_TOKENS_PER_MESSAGE);
            String content = user ? question(random, want) : prose(random, want, true);
            messages.addObject().put("role", user ? "user" : "assistant").put("content", content);
            budget -= estimate(content) + TEMPLATE_TOKENS_PER_MESSAGE;
            user = !user;
        }
        return messages;
    }

    /** The estimated prompt tokens of {@code messages} once templated: UTF-8 bytes / 4 plus the template's. */
    public static int estimateTokens(ArrayNode messages) {
        int total = 0;
        for (var m : messages) {
            total += estimate(m.get("content").asText()) + TEMPLATE_TOKENS_PER_MESSAGE;
        }
        return total;
    }

    static int estimate(String text) {
        return (utf8Length(text) + 3) / 4;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    /**
     * A request body: the history, then a last user message {@code last}, with {@code max_tokens} and streaming
     * with usage. The history's JSON is written once by the caller ({@link #historyJson}) and reused.
     */
    public static String body(String model, int maxTokens, String historyJson, String last) {
        ObjectNode tail = JsonNodeFactory.instance.objectNode().put("role", "user").put("content", last);
        StringBuilder b = new StringBuilder(historyJson.length() + last.length() + 200);
        b.append("{\"model\":").append(JsonNodeFactory.instance.textNode(model))
                .append(",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":").append(maxTokens)
                .append(",\"messages\":");
        if (historyJson.length() > 2) {
            b.append(historyJson, 0, historyJson.length() - 1).append(',');
        } else {
            b.append('[');
        }
        return b.append(tail).append("]}").toString();
    }

    /** The history's messages as a JSON array. */
    public static String historyJson(int tokens, long seed) {
        return tokens <= 0 ? "[]" : messages(tokens, seed).toString();
    }

    private static String question(SplittableRandom random, int tokens) {
        StringBuilder s = new StringBuilder();
        int chars = tokens * 4;
        while (s.length() < chars) {
            sentence(s, random, false);
            s.setCharAt(s.length() - 1, random.nextInt(3) == 0 ? '?' : '.');
            s.append(' ');
        }
        return trim(s, chars);
    }

    private static String prose(SplittableRandom random, int tokens, boolean typographic) {
        StringBuilder s = new StringBuilder();
        int chars = tokens * 4;
        while (s.length() < chars) {
            sentence(s, random, typographic);
            s.append(random.nextInt(5) == 0 ? "\n\n" : " ");
            if (random.nextInt(12) == 0) {
                s.append("\"").append(WORDS[random.nextInt(WORDS.length)]).append("\" ");
            }
        }
        return trim(s, chars);
    }

    private static String trim(StringBuilder s, int chars) {
        // cut at a word end near the budget, never inside a surrogate pair
        int end = Math.min(s.length(), chars);
        while (end > 1 && end < s.length() && s.charAt(end) != ' ') {
            end--;
        }
        return s.substring(0, Math.max(1, end)).strip();
    }

    private static void sentence(StringBuilder s, SplittableRandom random, boolean typographic) {
        int words = 6 + random.nextInt(16);
        for (int i = 0; i < words; i++) {
            String w = WORDS[random.nextInt(WORDS.length)];
            if (i == 0) {
                s.append(Character.toUpperCase(w.charAt(0))).append(w, 1, w.length());
            } else {
                s.append(w);
            }
            int r = random.nextInt(40);
            if (typographic && r == 0) {
                s.append("\u2019s");
            } else if (typographic && r == 1) {
                s.append(" \u2014");
            } else if (r == 2 && i < words - 1) {
                s.append(',');
            } else if (r == 3) {
                s.append(' ').append(random.nextInt(2000));
            }
            s.append(i == words - 1 ? "." : " ");
        }
    }
}
