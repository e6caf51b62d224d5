package org.maverick.gateway.api;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Generated chat request bodies for the parser fuzz tests: a valid request from OpenAI's chat schema,
 * then random mutations of its tree (fields removed, set to wrong types, extreme numbers, odd Unicode,
 * special tokens, deep nesting, too many messages) and of its bytes (truncation, invalid UTF-8, a
 * random byte, nesting around the whole body, trailing garbage). Most are refused; some stay valid.
 *
 * <p>A plain seeded random generator: {@link #bodies(long)} gives the same bodies for the same seed,
 * and {@link #body(long, long)} rebuilds the body at one index of that sequence alone, so a failure
 * is reproducible from its seed and index.
 */
public final class ChatBodies {

    /** A generated body; {@code toString} is what a failing test prints. */
    public record Body(String description, byte[] bytes) {
        @Override
        public String toString() {
            String text = new String(bytes, 0, Math.min(bytes.length, 600), StandardCharsets.UTF_8);
            return description + " (" + bytes.length + " bytes): " + text;
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    static final List<String> CHAT_FIELDS = List.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "n", "stream", "stream_options", "stop", "seed", "presence_penalty",
            "frequency_penalty", "user", "logprobs", "top_logprobs", "logit_bias", "tools", "tool_choice",
            "parallel_tool_calls", "functions", "function_call", "response_format", "modalities", "audio");

    private static final List<String> ODD_FIELDS = List.of("some_future_field", "", "MODEL", "x".repeat(300),
            "messages\u0000", "\u00e9t\u00e9");

    private static final List<String> SPECIAL = List.of("<|eot|>", "<|header_start|>", "<|begin_of_text|>",
            "<|python_start|>", "<|image|>", "<|eom|>");

    private static final List<String> ODD_TEXT = List.of("", " ", "\u0000", "\ud800", "a\udc00b", "\ud83d\ude00",
            "\u202e", "\ufeff", "e\u0301", "[standin:length=3]");

    /** Letters, digits and every char {@link Character#isWhitespace} accepts. */
    private static final char[] ALNUM_WHITESPACE = alnumWhitespace();

    private static final List<JsonNode> FIXED_SCALARS = List.of(NODES.nullNode(), NODES.booleanNode(true),
            NODES.booleanNode(false), NODES.textNode("true"), NODES.textNode("1"), NODES.textNode("0.5"),
            NODES.textNode(""), NODES.textNode("llama-4-maverick"), NODES.textNode("user"), NODES.textNode("text"),
            NODES.numberNode(0), NODES.numberNode(1), NODES.numberNode(-1), NODES.numberNode(2),
            NODES.numberNode(1.5), NODES.numberNode(-0.0), NODES.numberNode(1e30), NODES.numberNode(-1e308),
            NODES.numberNode(Double.MIN_VALUE), NODES.numberNode(Double.NaN),
            NODES.numberNode(Double.POSITIVE_INFINITY), NODES.numberNode(Long.MAX_VALUE),
            NODES.numberNode(Long.MIN_VALUE), NODES.numberNode((long) Integer.MAX_VALUE + 1),
            NODES.numberNode(BigInteger.TWO.pow(70)), NODES.numberNode(BigInteger.TWO.pow(70).negate()),
            NODES.numberNode(new BigDecimal("1e400")), NODES.numberNode(new BigInteger("9".repeat(1200))));

    private static final int[] EDGE_INTS = {0, 1, -1, 2, -2, Integer.MAX_VALUE, Integer.MIN_VALUE,
            Integer.MAX_VALUE - 1, Integer.MIN_VALUE + 1};
    private static final long[] EDGE_LONGS = {0, 1, -1, 2, -2, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
            Long.MIN_VALUE + 1, (long) Integer.MAX_VALUE + 1, (long) Integer.MIN_VALUE - 1};
    private static final double[] EDGE_DOUBLES = {0.0, -0.0, 0.01, -0.01, 1.0, -1.0, Double.MAX_VALUE,
            -Double.MAX_VALUE, Double.MIN_VALUE};

    private ChatBodies() {
    }

    // ---- the sequence -----------------------------------------------------------------------------

    /**
     * The bodies of one seed, without end. Body {@code i} is built from the {@code i}-th split of a
     * {@code SplittableRandom(seed)}, so it does not depend on what the bodies before it drew.
     */
    public static Stream<Body> bodies(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        return Stream.generate(() -> next(root.split()));
    }

    /** Body {@code index} (from 0) of {@link #bodies(long) bodies(seed)}, built alone. */
    static Body body(long seed, long index) {
        SplittableRandom root = new SplittableRandom(seed);
        for (long i = 0; i < index; i++) {
            root.split();
        }
        return next(root.split());
    }

    /**
     * One body: 0 to 5 tree mutations of the valid base request, serialized with or without non-ASCII
     * escaped (even odds), then in 30% of bodies one byte mutation.
     */
    static Body next(SplittableRandom random) {
        ObjectNode root = base();
        StringBuilder what = new StringBuilder();
        int mutations = random.nextInt(6);
        for (int i = 0; i < mutations; i++) {
            what.append(mutate(random, root)).append("; ");
        }
        boolean escape = random.nextBoolean();
        if (escape) {
            what.append("non-ASCII escaped; ");
        }
        byte[] body = serialize(root, escape);
        if (random.nextInt(100) < 30) {
            ByteMutation raw = byteMutation(random);
            body = raw.apply(body);
            what.append(raw.name());
        }
        String description = what.toString().replaceAll("; $", "");
        return new Body(description.isEmpty() ? "the base request" : description, body);
    }

    private static ObjectNode base() {
        ObjectNode root = NODES.objectNode();
        root.put("model", "llama-4-maverick");
        root.putArray("messages").addObject().put("role", "user").put("content", "hi");
        return root;
    }

    private static byte[] serialize(ObjectNode root, boolean escapeNonAscii) {
        try {
            return escapeNonAscii ? JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsBytes(root)
                    : JSON.writeValueAsBytes(root);
        } catch (Exception e) {
            try { // a lone surrogate the UTF-8 writer will not write: as an escape, which JSON allows
                return JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsBytes(root);
            } catch (Exception again) {
                throw new IllegalStateException(again);
            }
        }
    }

    // ---- tree mutations ---------------------------------------------------------------------------

    /** Applies one mutation to {@code root} and says what it did. */
    private static String mutate(SplittableRandom r, ObjectNode root) {
        switch (weighted(r, 10, 3, 4, 5, 1, 1)) {
            case 0 -> { // set a field to any value
                String f = field(r);
                JsonNode v = value(r);
                root.set(f, v);
                return "set " + abbreviate(f) + "=" + describe(v);
            }
            case 1 -> { // remove a field
                String f = field(r);
                root.remove(f);
                return "remove " + abbreviate(f);
            }
            case 2 -> { // replace the messages
                ArrayNode ms = messages(r);
                root.set("messages", ms);
                return "messages=" + ms.size() + " items";
            }
            case 3 -> { // set a field of the first message, if there is an object there
                String f = pick(r, "role", "content", "name", "tool_calls", "tool_call_id", "extra");
                JsonNode v = value(r);
                if (root.path("messages").path(0) instanceof ObjectNode first) {
                    first.set(f, v);
                }
                return "messages[0]." + f + "=" + describe(v);
            }
            case 4 -> { // an unknown field nested deep
                int depth = pickInt(r, 10, 999, 1000, 1001, 5_000, 100_000);
                root.putRawValue("deep", new RawValue("[".repeat(depth) + "]".repeat(depth)));
                return "unknown field nested " + depth + " deep";
            }
            default -> { // a known field nested deep
                int depth = pickInt(r, 500, 1001, 20_000);
                String f = pick(r, "stop", "logit_bias", "tools");
                root.putRawValue(f, new RawValue("[".repeat(depth) + "]".repeat(depth)));
                return f + " nested " + depth + " deep";
            }
        }
    }

    /** A chat field (8 in 9) or an odd name. */
    private static String field(SplittableRandom r) {
        return weighted(r, 8, 1) == 0 ? pick(r, CHAT_FIELDS) : pick(r, ODD_FIELDS);
    }

    /** 0 to 6 items, mostly messages (9 in 10); 1 in 201 lists is over gateway.prompt.max-messages (2048). */
    private static ArrayNode messages(SplittableRandom r) {
        ArrayNode a = NODES.arrayNode();
        if (weighted(r, 200, 1) == 1) { // refused as too_many_messages
            int n = r.nextInt(2040, 2101);
            for (int i = 0; i < n; i++) {
                a.addObject().put("role", "user").put("content", "m");
            }
            return a;
        }
        int n = r.nextInt(7);
        for (int i = 0; i < n; i++) {
            a.add(weighted(r, 9, 1) == 0 ? message(r) : value(r));
        }
        return a;
    }

    private static JsonNode message(SplittableRandom r) {
        ObjectNode m = NODES.objectNode();
        m.put("role", weighted(r, 6, 1) == 0 ? pick(r, "system", "developer", "user", "assistant", "tool")
                : pick(r, "robot", "", "USER", "ipython"));
        m.set("content", content(r));
        return m;
    }

    /** Text (6), a list of up to 4 parts (2), or any value (1). */
    private static JsonNode content(SplittableRandom r) {
        switch (weighted(r, 6, 2, 1)) {
            case 0 -> {
                return NODES.textNode(text(r));
            }
            case 1 -> {
                ArrayNode parts = NODES.arrayNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    switch (weighted(r, 5, 1, 1)) {
                        case 0 -> parts.addObject().put("type", "text").put("text", text(r));
                        case 1 -> parts.addObject().put("type", pick(r, "image_url", "input_audio", "file", "",
                                "TEXT"));
                        default -> parts.add(value(r));
                    }
                }
                return parts;
            }
            default -> {
                return value(r);
            }
        }
    }

    /** Text a user might type, or might not: any char (lone surrogates included), special tokens, long runs. */
    private static String text(SplittableRandom r) {
        switch (weighted(r, 5, 3, 1, 1, 1)) {
            case 0 -> {
                char[] s = new char[r.nextInt(41)];
                for (int i = 0; i < s.length; i++) {
                    s[i] = ALNUM_WHITESPACE[r.nextInt(ALNUM_WHITESPACE.length)];
                }
                return new String(s);
            }
            case 1 -> {
                char[] s = new char[r.nextInt(31)];
                for (int i = 0; i < s.length; i++) {
                    s[i] = (char) r.nextInt(Character.MAX_VALUE + 1);
                }
                return new String(s);
            }
            case 2 -> {
                return "before " + pick(r, SPECIAL) + " after";
            }
            case 3 -> {
                return pick(r, ODD_TEXT);
            }
            default -> {
                return "word ".repeat(r.nextInt(1000, 20_001));
            }
        }
    }

    /** Any JSON value, biased to the kinds that break parsers: wrong types and extreme numbers. */
    static JsonNode value(SplittableRandom r) {
        if (weighted(r, 4, 1) == 0) {
            return scalar(r);
        }
        switch (r.nextInt(4)) {
            case 0 -> {
                ArrayNode a = NODES.arrayNode();
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    a.add(scalar(r));
                }
                return a;
            }
            case 1 -> {
                ObjectNode o = NODES.objectNode();
                o.set(pick(r, "type", "text", "include_usage", "x", "name"), scalar(r));
                return o;
            }
            case 2 -> {
                return NODES.arrayNode();
            }
            default -> {
                return NODES.objectNode();
            }
        }
    }

    /** A fixed tricky value, an int, a long, a double or text, with even odds. */
    private static JsonNode scalar(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> pick(r, FIXED_SCALARS).deepCopy();
            case 1 -> NODES.numberNode(r.nextInt(5) == 0 ? EDGE_INTS[r.nextInt(EDGE_INTS.length)] : r.nextInt());
            case 2 -> NODES.numberNode(r.nextInt(5) == 0 ? EDGE_LONGS[r.nextInt(EDGE_LONGS.length)]
                    : r.nextLong() >> r.nextInt(64));
            case 3 -> NODES.numberNode(r.nextInt(5) == 0 ? EDGE_DOUBLES[r.nextInt(EDGE_DOUBLES.length)] : number(r));
            default -> NODES.textNode(text(r));
        };
    }

    /** A finite double of any magnitude (10^-2 to 10^308), either sign, two decimals when small. */
    private static double number(SplittableRandom r) {
        double magnitude = Math.pow(10, r.nextDouble(-2, 308)) * r.nextDouble(1, 10) / 10;
        double d = magnitude < 1e15 ? Math.round(magnitude * 100) / 100.0 : magnitude;
        return r.nextBoolean() ? d : -d;
    }

    // ---- byte mutations ---------------------------------------------------------------------------

    interface BytesOp {
        byte[] apply(byte[] b);
    }

    record ByteMutation(String name, BytesOp op) {
        byte[] apply(byte[] b) {
            return op.apply(b);
        }
    }

    /** One of six kinds, with even odds. */
    private static ByteMutation byteMutation(SplittableRandom r) {
        switch (r.nextInt(6)) {
            case 0 -> {
                double at = where(r);
                return new ByteMutation("truncated at " + pct(at), b -> Arrays.copyOf(b, (int) (b.length * at)));
            }
            case 1 -> {
                double at = where(r);
                return new ByteMutation("0xC3 0x28 inserted at " + pct(at), b -> insert(b, at,
                        new byte[] {(byte) 0xC3, 0x28}));
            }
            case 2 -> {
                double at = where(r);
                byte x = (byte) r.nextInt(256);
                return new ByteMutation("byte " + x + " at " + pct(at), b -> {
                    byte[] c = b.clone();
                    if (c.length > 0) {
                        c[Math.min(c.length - 1, (int) (c.length * at))] = x;
                    }
                    return c;
                });
            }
            case 3 -> {
                int n = pickInt(r, 2, 999, 1001, 100_000);
                return new ByteMutation("body nested in " + n + " arrays",
                        b -> concat(("[".repeat(n)).getBytes(StandardCharsets.US_ASCII), b,
                                ("]".repeat(n)).getBytes(StandardCharsets.US_ASCII)));
            }
            case 4 -> {
                String tail = pick(r, "}", "{}", " x", "\n\n", "\u0000");
                return new ByteMutation("trailing '" + tail + "'", b -> concat(b, tail.getBytes(StandardCharsets.UTF_8)));
            }
            default -> {
                String s = pick(r, "", " ", "null", "[]", "\"text\"", "42", "true", "{", "\ufeff{}", "{\"model\":}");
                return new ByteMutation("replaced by '" + s + "'", b -> s.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** A point in the body, 0 to 1 in hundredths. */
    private static double where(SplittableRandom r) {
        return r.nextInt(101) / 100.0;
    }

    private static byte[] insert(byte[] b, double at, byte[] what) {
        int i = (int) (b.length * at);
        return concat(Arrays.copyOf(b, i), what, Arrays.copyOfRange(b, i, b.length));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    // ---- choosing -----------------------------------------------------------------------------------

    /** An index into {@code weights}, each chosen in proportion to its weight. */
    private static int weighted(SplittableRandom r, int... weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int x = r.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        throw new AssertionError();
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom r, T... options) {
        return options[r.nextInt(options.length)];
    }

    private static <T> T pick(SplittableRandom r, List<T> options) {
        return options.get(r.nextInt(options.size()));
    }

    private static int pickInt(SplittableRandom r, int... options) {
        return options[r.nextInt(options.length)];
    }

    private static char[] alnumWhitespace() {
        List<Character> chars = new ArrayList<>();
        for (char c = 'a'; c <= 'z'; c++) {
            chars.add(c);
            chars.add(Character.toUpperCase(c));
        }
        for (char c = '0'; c <= '9'; c++) {
            chars.add(c);
        }
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            if (Character.isWhitespace(c)) {
                chars.add((char) c);
            }
        }
        char[] out = new char[chars.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = chars.get(i);
        }
        return out;
    }

    private static String pct(double at) {
        return Math.round(at * 100) + "%";
    }

    private static String abbreviate(String s) {
        return s.length() > 20 ? s.substring(0, 20) + "…" : s;
    }

    private static String describe(JsonNode v) {
        String s = v.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
