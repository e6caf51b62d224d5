package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * Python literals to and from JSON, for the pythonic tool-call style ({@code [get_weather(city="Paris")]}).
 *
 * <p>Reading accepts what a model writes for literal arguments: strings in either quote (triple quotes, raw
 * {@code r"…"} strings, adjacent strings joined, every Python escape), integers and floats (underscores, hex,
 * octal and binary integers, exponents), {@code True}/{@code False}/{@code None} and JSON's
 * {@code true}/{@code false}/{@code null}, lists, tuples (as arrays) and dicts (non-string keys become strings
 * as {@code json.dumps} makes them), nested up to {@value #MAX_DEPTH} levels. Anything else (a variable, an
 * expression, a set, {@code inf}) is {@link Malformed}: the call is not a literal call and is returned as text.
 *
 * <p>Writing renders JSON as Python source: double-quoted strings, {@code True}/{@code False}/{@code None},
 * {@code {"k": v}} and {@code [a, b]}, so that a call in the history reads back to the same JSON.
 */
public final class PythonLiterals {

    static final int MAX_DEPTH = 64;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PythonLiterals() {
    }

    /** Not a literal the gateway can turn into JSON; the message says where and why (for logs and tests). */
    public static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    // ---------------------------------------------------------------- writing

    /** The value as a Python literal. */
    public static String write(JsonNode value) {
        StringBuilder out = new StringBuilder(32);
        write(out, value);
        return out.toString();
    }

    /** A call {@code name(k1=v1, k2=v2)} of the given arguments (a JSON object). */
    public static String call(String name, JsonNode arguments) {
        StringBuilder out = new StringBuilder(name.length() + 32).append(name).append('(');
        boolean first = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = arguments.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!first) {
                out.append(", ");
            }
            first = false;
            out.append(e.getKey()).append('=');
            write(out, e.getValue());
        }
        return out.append(')').toString();
    }

    static void write(StringBuilder out, JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            out.append("None");
        } else if (v.isTextual()) {
            string(out, v.textValue());
        } else if (v.isBoolean()) {
            out.append(v.booleanValue() ? "True" : "False");
        } else if (v.isNumber()) {
            out.append(v.numberValue() instanceof BigDecimal d ? d.toString() : v.asText());
        } else if (v.isArray()) {
            out.append('[');
            for (int i = 0; i < v.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                write(out, v.get(i));
            }
            out.append(']');
        } else if (v.isObject()) {
            out.append('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) {
                    out.append(", ");
                }
                first = false;
                string(out, e.getKey());
                out.append(": ");
                write(out, e.getValue());
            }
            out.append('}');
        } else {
            string(out, v.asText());
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---------------------------------------------------------------- reading

    /** One literal, the whole text (surrounding whitespace allowed). */
    public static JsonNode parse(String text) {
        Reader r = new Reader(text, 0, text.length());
        r.space();
        JsonNode v = r.value(0);
        r.space();
        if (r.pos != r.end) {
            throw r.error("unexpected text after the value");
        }
        return v;
    }

    /**
     * The keyword arguments of a call, {@code text[from, to)} being what stands between its parentheses:
     * {@code k1=v1, k2=v2} (a trailing comma allowed). Positional arguments and repeated keywords are malformed.
     */
    public static ObjectNode keywordArguments(CharSequence text, int from, int to) {
        Reader r = new Reader(text, from, to);
        ObjectNode args = NODES.objectNode();
        r.space();
        while (r.pos < r.end) {
            int keyStart = r.pos;
            while (r.pos < r.end && keywordChar(r.peek(), r.pos == keyStart)) {
                r.pos++;
            }
            if (r.pos == keyStart) {
                throw r.error("expected a keyword argument");
            }
            String key = text.subSequence(keyStart, r.pos).toString();
            r.space();
            if (r.pos >= r.end || r.peek() != '=') {
                throw r.error("positional arguments are not supported; expected '=' after " + key);
            }
            r.pos++;
            r.space();
            JsonNode value = r.value(0);
            if (args.has(key)) {
                throw r.error("keyword argument repeated: " + key);
            }
            args.set(key, value);
            r.space();
            if (r.pos < r.end) {
                if (r.peek() != ',') {
                    throw r.error("expected ',' between arguments");
                }
                r.pos++;
                r.space();
            }
        }
        return args;
    }

    /** Keyword characters: a Python identifier, leniently also with '-' (JSON Schema property names may have one). */
    static boolean keywordChar(char c, boolean first) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && (c == '-' || (c >= '0' && c <= '9')))
                || (c > 0x7f && Character.isLetter(c));
    }

    private static final class Reader {
        private final CharSequence s;
        private final int end;
        private int pos;

        Reader(CharSequence s, int from, int to) {
            this.s = s;
            this.pos = from;
            this.end = to;
        }

        char peek() {
            return s.charAt(pos);
        }

        Malformed error(String why) {
            return new Malformed(why + " at " + pos);
        }

        void space() {
            while (pos < end) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else if (c == '\\' && pos + 1 < end && s.charAt(pos + 1) == '\n') {
                    pos += 2; // an explicit line continuation
                } else {
                    return;
                }
            }
        }

        JsonNode value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH + " levels");
            }
            if (pos >= end) {
                throw error("expected a value");
            }
            char c = peek();
            switch (c) {
                case '"', '\'' -> {
                    return NODES.textNode(strings());
                }
                case '[' -> {
                    pos++;
                    return sequence(']', depth, false);
                }
                case '(' -> {
                    pos++;
                    return sequence(')', depth, true);
                }
                case '{' -> {
                    pos++;
                    return dict(depth);
                }
                default -> {
                    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    if ((c == 'r' || c == 'R' || c == 'u' || c == 'U') && pos + 1 < end
                            && (s.charAt(pos + 1) == '"' || s.charAt(pos + 1) == '\'')) {
                        return NODES.textNode(strings());
                    }
                    return word();
                }
            }
        }

        private JsonNode word() {
            int start = pos;
            while (pos < end && (Character.isLetterOrDigit(peek()) || peek() == '_')) {
                pos++;
            }
            String w = s.subSequence(start, pos).toString();
            return switch (w) {
                case "True", "true" -> NODES.booleanNode(true);
                case "False", "false" -> NODES.booleanNode(false);
                case "None", "null" -> NODES.nullNode();
                default -> {
                    pos = start;
                    throw error(w.isEmpty() ? "unexpected character '" + s.charAt(start) + "'"
                            : "'" + w + "' is not a literal");
                }
            };
        }

        private JsonNode sequence(char close, int depth, boolean tuple) {
            ArrayNode out = NODES.arrayNode();
            boolean comma = false;
            space();
            while (true) {
                if (pos >= end) {
                    throw error("unclosed " + (tuple ? "tuple" : "list"));
                }
                if (peek() == close) {
                    pos++;
                    break;
                }
                out.add(value(depth + 1));
                space();
                if (pos < end && peek() == ',') {
                    pos++;
                    comma = true;
                    space();
                } else if (pos < end && peek() != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
            if (tuple && out.size() == 1 && !comma) {
                return out.get(0); // (x) is x in Python; only (x,) is a tuple
            }
            return out;
        }

        private ObjectNode dict(int depth) {
            ObjectNode out = NODES.objectNode();
            space();
            while (true) {
                if (pos >= end) {
                    throw error("unclosed dict");
                }
                if (peek() == '}') {
                    pos++;
                    return out;
                }
                JsonNode key = value(depth + 1);
                space();
                if (pos >= end || peek() != ':') {
                    throw error("expected ':' in a dict (sets are not supported)");
                }
                pos++;
                space();
                JsonNode v = value(depth + 1);
                out.set(keyText(key), v);
                space();
                if (pos < end && peek() == ',') {
                    pos++;
                    space();
                } else if (pos < end && peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        /** Dict keys as {@code json.dumps} writes them: strings stay, numbers, booleans and None become strings. */
        private String keyText(JsonNode key) {
            if (key.isTextual()) {
                return key.textValue();
            }
            if (key.isNumber()) {
                return key.numberValue() instanceof BigDecimal d ? d.toString() : key.asText();
            }
            if (key.isBoolean()) {
                return key.booleanValue() ? "true" : "false";
            }
            if (key.isNull()) {
                return "null";
            }
            throw error("a dict key must be a string, number, boolean or None");
        }

        private JsonNode number() {
            int start = pos;
            boolean negative = false;
            if (peek() == '-' || peek() == '+') {
                negative = peek() == '-';
                pos++;
            }
            if (pos + 1 < end && peek() == '0' && "xXoObB".indexOf(s.charAt(pos + 1)) >= 0) {
                char kind = Character.toLowerCase(s.charAt(pos + 1));
                pos += 2;
                int digitsStart = pos;
                while (pos < end && (Character.isLetterOrDigit(peek()) || peek() == '_')) {
                    pos++;
                }
                String digits = s.subSequence(digitsStart, pos).toString().replace("_", "");
                try {
                    BigInteger v = new BigInteger(digits, kind == 'x' ? 16 : kind == 'o' ? 8 : 2);
                    return integer(negative ? v.negate() : v);
                } catch (NumberFormatException e) {
                    pos = start;
                    throw error("not a number");
                }
            }
            boolean fraction = false;
            boolean exponent = false;
            int digits = 0;
            while (pos < end) {
                char c = peek();
                if (c >= '0' && c <= '9') {
                    digits++;
                } else if (c == '_' && digits > 0) {
                    // digit grouping, 1_000
                } else if (c == '.' && !fraction && !exponent) {
                    fraction = true;
                } else if ((c == 'e' || c == 'E') && digits > 0 && !exponent) {
                    exponent = true;
                    if (pos + 1 < end && (s.charAt(pos + 1) == '+' || s.charAt(pos + 1) == '-')) {
                        pos++;
                    }
                } else {
                    break;
                }
                pos++;
            }
            String text = s.subSequence(start, pos).toString().replace("_", "");
            if (digits == 0) {
                pos = start;
                throw error("not a number");
            }
            if (text.startsWith("+")) {
                text = text.substring(1);
            }
            try {
                if (fraction || exponent) {
                    return NODES.numberNode(new BigDecimal(text));
                }
                return integer(new BigInteger(text));
            } catch (NumberFormatException e) {
                pos = start;
                throw error("not a number");
            }
        }

        private JsonNode integer(BigInteger v) {
            return v.bitLength() < 63 ? NODES.numberNode(v.longValue()) : NODES.numberNode(v);
        }

        /** One string literal, or several adjacent ones joined as Python joins them. */
        private String strings() {
            StringBuilder out = new StringBuilder();
            do {
                string(out);
                int save = pos;
                space();
                if (pos < end && (peek() == '"' || peek() == '\'' || ((peek() == 'r' || peek() == 'R')
                        && pos + 1 < end && (s.charAt(pos + 1) == '"' || s.charAt(pos + 1) == '\'')))) {
                    continue;
                }
                pos = save;
                break;
            } while (true);
            String v = out.toString();
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw error("a string holds an unpaired surrogate");
                }
            }
            return v;
        }

        private void string(StringBuilder out) {
            boolean raw = false;
            char c = peek();
            if (c == 'r' || c == 'R' || c == 'u' || c == 'U') {
                raw = c == 'r' || c == 'R';
                pos++;
            }
            char quote = peek();
            boolean triple = pos + 2 < end && s.charAt(pos + 1) == quote && s.charAt(pos + 2) == quote;
            pos += triple ? 3 : 1;
            while (true) {
                if (pos >= end) {
                    throw error("unterminated string");
                }
                c = peek();
                if (c == quote) {
                    if (!triple) {
                        pos++;
                        return;
                    }
                    if (pos + 2 < end && s.charAt(pos + 1) == quote && s.charAt(pos + 2) == quote) {
                        pos += 3;
                        return;
                    }
                    out.append(c);
                    pos++;
                } else if (c == '\\') {
                    if (pos + 1 >= end) {
                        throw error("unterminated string");
                    }
                    if (raw) {
                        out.append(c).append(s.charAt(pos + 1));
                        pos += 2;
                    } else {
                        escape(out);
                    }
                } else {
                    out.append(c);
                    pos++;
                }
            }
        }

        private void escape(StringBuilder out) {
            char e = s.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case '\n' -> { } // line continuation inside the string
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x' -> out.appendCodePoint(hex(2));
                case 'u' -> out.append((char) hex(4));
                case 'U' -> {
                    int cp = hex(8);
                    if (cp > Character.MAX_CODE_POINT) {
                        throw error("\\U escape beyond Unicode");
                    }
                    out.appendCodePoint(cp);
                }
                case 'N' -> throw error("\\N{...} escapes are not supported");
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int i = 0; i < 2 && pos < end && peek() >= '0' && peek() <= '7'; i++) {
                            v = v * 8 + (s.charAt(pos++) - '0');
                        }
                        out.append((char) v);
                    } else {
                        out.append('\\').append(e); // Python keeps an unknown escape as written
                    }
                }
            }
        }

        private int hex(int n) {
            if (pos + n > end) {
                throw error("truncated escape");
            }
            int v = 0;
            for (int i = 0; i < n; i++) {
                int d = Character.digit(s.charAt(pos + i), 16);
                if (d < 0) {
                    throw error("bad hex escape");
                }
                v = v * 16 + d;
            }
            pos += n;
            return v;
        }
    }
}
