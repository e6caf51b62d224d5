package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Writes JSON the way Python's {@code json.dumps(value, ensure_ascii=False)} does, with or without
 * {@code indent}: the layout Meta's prompt-format examples and the checkpoint's chat template
 * ({@code tojson(indent=4)}) put tool definitions and call arguments in, so that the prompt looks like
 * what the model saw in training. Key order is kept as given.
 */
public final class JsonText {

    private JsonText() {
    }

    /** {@code json.dumps(value)}: one line, {@code ", "} and {@code ": "} separators. */
    public static String compact(JsonNode value) {
        StringBuilder out = new StringBuilder(64);
        write(out, value, -1, 0);
        return out.toString();
    }

    /** {@code json.dumps(value, indent=indent)}. */
    public static String indented(JsonNode value, int indent) {
        StringBuilder out = new StringBuilder(256);
        write(out, value, indent, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, JsonNode v, int indent, int level) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            out.append("null");
        } else if (v.isTextual()) {
            string(out, v.textValue());
        } else if (v.isBoolean()) {
            out.append(v.booleanValue() ? "true" : "false");
        } else if (v.isNumber()) {
            out.append(v.numberValue() instanceof java.math.BigDecimal d ? d.toString() : v.asText());
        } else if (v.isArray()) {
            if (v.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            for (int i = 0; i < v.size(); i++) {
                if (i > 0) {
                    out.append(indent < 0 ? ", " : ",");
                }
                newline(out, indent, level + 1);
                write(out, v.get(i), indent, level + 1);
            }
            newline(out, indent, level);
            out.append(']');
        } else if (v.isObject()) {
            if (v.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) {
                    out.append(indent < 0 ? ", " : ",");
                }
                first = false;
                newline(out, indent, level + 1);
                string(out, e.getKey());
                out.append(": ");
                write(out, e.getValue(), indent, level + 1);
            }
            newline(out, indent, level);
            out.append('}');
        } else {
            out.append(v.toString());
        }
    }

    private static void newline(StringBuilder out, int indent, int level) {
        if (indent >= 0) {
            out.append('\n');
            out.append(" ".repeat(indent * level));
        }
    }

    /** A JSON string as Python writes it with {@code ensure_ascii=False}: only quotes, backslashes and controls escaped. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
