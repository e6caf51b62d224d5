package org.maverick.gateway.api;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Generated chat request bodies for the parser fuzz tests: a valid request from OpenAI's chat schema,
 * then random mutations of its tree (fields removed, set to wrong types, extreme numbers, odd Unicode,
 * special tokens, deep nesting, too many messages) and of its bytes (truncation, invalid UTF-8, a
 * random byte, nesting around the whole body, trailing garbage). Most are refused; some stay valid.
 *
 * <p>Each body is built fresh from immutable parts, so jqwik may reuse generated parts freely.
 */
final class ChatBodies {

    /** A generated body; {@code toString} is what jqwik prints for a failing example. */
    record Body(String description, byte[] bytes) {
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

    private static final List<String> SPECIAL = List.of("<|eot|>", "<|header_start|>", "<|begin_of_text|>",
            "<|python_start|>", "<|image|>", "<|eom|>");

    private ChatBodies() {
    }

    static Arbitrary<Body> bodies() {
        Arbitrary<List<Mutation>> trees = mutation().list().ofMinSize(0).ofMaxSize(5);
        Arbitrary<ByteMutation> bytes = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(70, Arbitraries.just(ByteMutation.NONE)),
                net.jqwik.api.Tuple.of(30, byteMutation()));
        return Combinators.combine(trees, bytes, Arbitraries.of(true, false)).as((tree, raw, escape) -> {
            ObjectNode root = base();
            StringBuilder what = new StringBuilder();
            for (Mutation m : tree) {
                m.apply().accept(root);
                what.append(m.name()).append("; ");
            }
            byte[] body = serialize(root, escape);
            body = raw.apply().apply(body);
            what.append(raw.name());
            return new Body(what.toString(), body);
        });
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

    record Mutation(String name, Consumer<ObjectNode> apply) {
    }

    private static Arbitrary<Mutation> mutation() {
        Arbitrary<String> field = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.of(CHAT_FIELDS)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("some_future_field", "", "MODEL", "x".repeat(300),
                        "messages\u0000", "\u00e9t\u00e9")));
        Arbitrary<Mutation> set = Combinators.combine(field, value()).as((f, v) -> new Mutation(
                "set " + abbreviate(f) + "=" + describe(v), root -> put(root, f, v)));
        Arbitrary<Mutation> remove = field.map(f -> new Mutation("remove " + abbreviate(f), root -> root.remove(f)));
        Arbitrary<Mutation> messages = messages().map(ms -> new Mutation("messages=" + ms.size() + " items",
                root -> root.set("messages", copyAll(ms))));
        Arbitrary<Mutation> messageField = Combinators.combine(
                Arbitraries.of("role", "content", "name", "tool_calls", "tool_call_id", "extra"), value())
                .as((f, v) -> new Mutation("messages[0]." + f + "=" + describe(v), root -> {
                    JsonNode first = root.path("messages").path(0);
                    if (first instanceof ObjectNode o) {
                        put(o, f, v);
                    }
                }));
        Arbitrary<Mutation> deepUnknown = Arbitraries.of(10, 999, 1000, 1001, 5_000, 100_000).map(depth ->
                new Mutation("unknown field nested " + depth + " deep", root ->
                        root.putRawValue("deep", new RawValue("[".repeat(depth) + "]".repeat(depth)))));
        Arbitrary<Mutation> deepKnown = Arbitraries.of(500, 1001, 20_000).flatMap(depth -> Arbitraries.of(
                "stop", "logit_bias", "tools").map(f -> new Mutation(f + " nested " + depth + " deep", root ->
                root.putRawValue(f, new RawValue("[".repeat(depth) + "]".repeat(depth))))));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, set),
                net.jqwik.api.Tuple.of(3, remove),
                net.jqwik.api.Tuple.of(4, messages),
                net.jqwik.api.Tuple.of(5, messageField),
                net.jqwik.api.Tuple.of(1, deepUnknown),
                net.jqwik.api.Tuple.of(1, deepKnown));
    }

    private static void put(ObjectNode node, String field, JsonNode value) {
        node.set(field, value.deepCopy());
    }

    private static ArrayNode copyAll(List<JsonNode> items) {
        ArrayNode a = NODES.arrayNode();
        items.forEach(i -> a.add(i.deepCopy()));
        return a;
    }

    private static Arbitrary<List<JsonNode>> messages() {
        Arbitrary<JsonNode> message = Combinators.combine(
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.of("system", "developer", "user",
                        "assistant", "tool")), net.jqwik.api.Tuple.of(1, Arbitraries.of("robot", "", "USER", "ipython"))),
                content()).as((role, content) -> {
                    ObjectNode m = NODES.objectNode();
                    m.put("role", role);
                    m.set("content", content);
                    return m;
                });
        Arbitrary<JsonNode> anyItem = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, message),
                net.jqwik.api.Tuple.of(1, value()));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(200, anyItem.list().ofMinSize(0).ofMaxSize(6)),
                // past gateway.prompt.max-messages (2048): refused as too_many_messages
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(2040, 2100).map(n ->
                        java.util.Collections.nCopies(n, (JsonNode) NODES.objectNode().put("role", "user")
                                .put("content", "m")))));
    }

    private static Arbitrary<JsonNode> content() {
        Arbitrary<JsonNode> textPart = text().map(t -> NODES.objectNode().put("type", "text").put("text", t));
        Arbitrary<JsonNode> otherPart = Arbitraries.of("image_url", "input_audio", "file", "", "TEXT")
                .map(t -> NODES.objectNode().put("type", t));
        Arbitrary<JsonNode> parts = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, textPart),
                net.jqwik.api.Tuple.of(1, otherPart), net.jqwik.api.Tuple.of(1, value()))
                .list().ofMaxSize(4).map(ChatBodies::copyAll);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, text().map(NODES::textNode)),
                net.jqwik.api.Tuple.of(2, parts),
                net.jqwik.api.Tuple.of(1, value()));
    }

    /** Text a user might type, or might not: any char (lone surrogates included), special tokens, long runs. */
    private static Arbitrary<String> text() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.strings().alpha().numeric().whitespace().ofMaxLength(40)),
                net.jqwik.api.Tuple.of(3, Arbitraries.strings().all().ofMaxLength(30)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(SPECIAL).map(s -> "before " + s + " after")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("", " ", "\u0000", "\ud800", "a\udc00b", "\ud83d\ude00",
                        "\u202e", "\ufeff", "e\u0301", "[standin:length=3]")),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1000, 20_000).map("word "::repeat)));
    }

    /** Any JSON value, biased to the kinds that break parsers: wrong types and extreme numbers. */
    static Arbitrary<JsonNode> value() {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.of(NODES.nullNode(), NODES.booleanNode(true), NODES.booleanNode(false),
                        NODES.textNode("true"), NODES.textNode("1"), NODES.textNode("0.5"), NODES.textNode(""),
                        NODES.textNode("llama-4-maverick"), NODES.textNode("user"), NODES.textNode("text"),
                        NODES.numberNode(0), NODES.numberNode(1), NODES.numberNode(-1), NODES.numberNode(2),
                        NODES.numberNode(1.5), NODES.numberNode(-0.0), NODES.numberNode(1e30),
                        NODES.numberNode(-1e308), NODES.numberNode(Double.MIN_VALUE), NODES.numberNode(Double.NaN),
                        NODES.numberNode(Double.POSITIVE_INFINITY), NODES.numberNode(Long.MAX_VALUE),
                        NODES.numberNode(Long.MIN_VALUE), NODES.numberNode((long) Integer.MAX_VALUE + 1),
                        NODES.numberNode(BigInteger.TWO.pow(70)), NODES.numberNode(BigInteger.TWO.pow(70).negate()),
                        NODES.numberNode(new BigDecimal("1e400")),
                        NODES.numberNode(new BigInteger("9".repeat(1200)))),
                Arbitraries.integers().map(i -> (JsonNode) NODES.numberNode(i)),
                Arbitraries.longs().map(l -> (JsonNode) NODES.numberNode(l)),
                Arbitraries.doubles().map(d -> (JsonNode) NODES.numberNode(d)),
                text().map(t -> (JsonNode) NODES.textNode(t)));
        Arbitrary<JsonNode> containers = Arbitraries.lazy(() -> Arbitraries.oneOf(
                scalars.list().ofMaxSize(5).map(l -> (JsonNode) copyAll(l)),
                Combinators.combine(Arbitraries.of("type", "text", "include_usage", "x", "name"), scalars)
                        .as((k, v) -> {
                            ObjectNode o = NODES.objectNode();
                            o.set(k, v.deepCopy());
                            return (JsonNode) o;
                        }),
                Arbitraries.just(NODES.arrayNode()),
                Arbitraries.just(NODES.objectNode())));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, scalars), net.jqwik.api.Tuple.of(1, containers));
    }

    // ---- byte mutations ---------------------------------------------------------------------------

    record ByteMutation(String name, UnaryOperator<byte[]> apply) {
        static final ByteMutation NONE = new ByteMutation("", b -> b);
    }

    private static Arbitrary<ByteMutation> byteMutation() {
        Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
        return Arbitraries.oneOf(
                where.map(at -> new ByteMutation("truncated at " + pct(at), b -> Arrays.copyOf(b, (int) (b.length * at)))),
                where.map(at -> new ByteMutation("0xC3 0x28 inserted at " + pct(at), b -> insert(b, at,
                        new byte[] {(byte) 0xC3, 0x28}))),
                Combinators.combine(where, Arbitraries.bytes()).as((at, x) -> new ByteMutation("byte " + x + " at "
                        + pct(at), b -> {
                            byte[] c = b.clone();
                            if (c.length > 0) {
                                c[Math.min(c.length - 1, (int) (c.length * at))] = x;
                            }
                            return c;
                        })),
                Arbitraries.of(2, 999, 1001, 100_000).map(n -> new ByteMutation("body nested in " + n + " arrays",
                        b -> concat(("[".repeat(n)).getBytes(StandardCharsets.US_ASCII), b,
                                ("]".repeat(n)).getBytes(StandardCharsets.US_ASCII)))),
                Arbitraries.of("}", "{}", " x", "\n\n", "\u0000").map(tail -> new ByteMutation("trailing '" + tail + "'",
                        b -> concat(b, tail.getBytes(StandardCharsets.UTF_8)))),
                Arbitraries.of("", " ", "null", "[]", "\"text\"", "42", "true", "{", "\ufeff{}", "{\"model\":}")
                        .map(s -> new ByteMutation("replaced by '" + s + "'", b -> s.getBytes(StandardCharsets.UTF_8))));
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
