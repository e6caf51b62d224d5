package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Python literals: what the history writes reads back to the same JSON; what is no literal is refused. */
class PythonLiteralsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"s\":\"plain\",\"q\":\"quote \\\" and \\\\ backslash\",\"ctl\":\"a\\nb\\tc\\u0001\\u007f\",\"u\":\"Zürich 東京 🙂\"}",
        "{\"n\":0,\"neg\":-12,\"f\":1.5,\"e\":1.0E-7,\"big\":123456789012345678901234567890,\"t\":true,\"no\":false,\"z\":null}",
        "{\"nested\":{\"list\":[1,[2,[3,{\"deep\":[]}]],{}],\"empty\":\"\"}}",
    })
    void writtenLiteralsReadBackToTheSameJson(String json) throws Exception {
        JsonNode value = JSON.readTree(json);
        String python = PythonLiterals.write(value);
        JsonNode back = PythonLiterals.parse(python);
        assertEquals(normalize(value), normalize(back), python);
        String call = PythonLiterals.call("f", value);
        assertEquals(value.size(), PythonLiterals.keywordArguments(call, 2, call.length() - 1).size(), call);
    }

    /** JSON with every number as a plain decimal, so that 1.0E-7 and 1E-7 compare equal. */
    private static String normalize(JsonNode v) {
        if (v.isNumber()) {
            return v.decimalValue().stripTrailingZeros().toPlainString();
        }
        if (v.isContainerNode()) {
            StringBuilder out = new StringBuilder(v.isArray() ? "[" : "{");
            v.fields().forEachRemaining(e -> out.append(e.getKey()).append('=').append(normalize(e.getValue())).append(','));
            v.elements().forEachRemaining(e -> { if (v.isArray()) { out.append(normalize(e)).append(','); } });
            return out.append(v.isArray() ? "]" : "}").toString();
        }
        return v.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "city", "inf", "nan", "{1, 2}", "[1, 2", "'abc", "1 + 2", "f(1)", "\"\\ud800\"",
        "b'bytes'", "\"\\N{DASH}\"", "[1 2]", "{\"a\" 1}", "{[1]: 2}"})
    void refusesWhatIsNoLiteral(String text) {
        assertThrows(PythonLiterals.Malformed.class, () -> PythonLiterals.parse(text));
    }

    @org.junit.jupiter.api.Test
    void refusesNestingPastTheLimit() {
        int n = PythonLiterals.MAX_DEPTH + 2;
        assertThrows(PythonLiterals.Malformed.class, () -> PythonLiterals.parse("[".repeat(n) + "]".repeat(n)));
        assertEquals("[[[[[]]]]]", PythonLiterals.parse("[[[[[]]]]]").toString());
    }

    @org.junit.jupiter.api.Test
    void readsPythonSpellings() {
        assertEquals("{\"a\":true,\"b\":null,\"c\":[1,2],\"d\":\"x'y\",\"e\":\"line\\nnext\"}",
                PythonLiterals.keywordArguments("a=True, b=None, c=(1, 2), d=\"x'y\", e='''line\nnext'''", 0,
                        "a=True, b=None, c=(1, 2), d=\"x'y\", e='''line\nnext'''".length()).toString());
        assertThrows(PythonLiterals.Malformed.class, () -> PythonLiterals.keywordArguments("1", 0, 1));
        assertThrows(PythonLiterals.Malformed.class, () -> PythonLiterals.keywordArguments("a=1 b=2", 0, 7));
    }
}
