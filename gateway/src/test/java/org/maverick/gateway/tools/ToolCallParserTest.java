package org.maverick.gateway.tools;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.generation.ToolUse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming parser on every example, fed whole, one character at a time, and split into two and three pieces
 * at every character boundary (the text assembler never splits a surrogate pair, so neither do these splits): the
 * events, with adjacent text joined, must be the same every time.
 */
class ToolCallParserTest {

    private static final Map<String, String> TOOLS = Map.of("get_weather", "get_weather", "get_time", "get_time",
            "search", "search", "f", "f", "get_weather_2", "get-weather");
    private static final ToolUse AUTO = new ToolUse(TOOLS, "", true, Map.of());

    /** The events of one run: "T:text" (adjacent text joined) and "C:name:arguments". */
    private static final class Recorder implements ToolCallParser.Sink {
        final List<String> events = new ArrayList<>();

        @Override
        public void text(String text) {
            assertTrue(!text.isEmpty(), "no empty text");
            int last = events.size() - 1;
            if (last >= 0 && events.get(last).startsWith("T:")) {
                events.set(last, events.get(last) + text);
            } else {
                events.add("T:" + text);
            }
        }

        @Override
        public void call(String name, String arguments) {
            events.add("C:" + name + ":" + arguments);
        }
    }

    private record Run(List<String> events, int unparsed, int dropped) {
    }

    private static Run run(ToolUse use, List<String> pieces) {
        Recorder r = new Recorder();
        ToolCallParser p = new ToolCallParser(use, 4096, ToolCallParser.ArgumentCheck.NONE, r);
        pieces.forEach(p::accept);
        p.finish();
        return new Run(r.events, p.unparsed(), p.dropped());
    }

    /** Boundaries that do not split a surrogate pair. */
    private static List<Integer> cuts(String s) {
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i < s.length(); i++) {
            if (!Character.isLowSurrogate(s.charAt(i))) {
                out.add(i);
            }
        }
        return out;
    }

    private static void check(ToolUse use, String output, int unparsed, String... expected) {
        List<String> want = List.of(expected);
        Consumer<List<String>> one = pieces -> {
            Run r = run(use, pieces);
            assertEquals(want, r.events, () -> "pieces " + pieces);
            assertEquals(unparsed, r.unparsed, () -> "unparsed, pieces " + pieces);
        };
        one.accept(List.of(output));
        List<String> chars = new ArrayList<>();
        output.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
        one.accept(chars);
        List<Integer> cuts = cuts(output);
        for (int i : cuts) {
            one.accept(List.of(output.substring(0, i), output.substring(i)));
        }
        if (output.length() <= 140) {
            for (int i : cuts) {
                for (int j : cuts) {
                    if (j > i) {
                        one.accept(List.of(output.substring(0, i), output.substring(i, j), output.substring(j)));
                    }
                }
            }
        }
    }

    private static void check(String output, int unparsed, String... expected) {
        check(AUTO, output, unparsed, expected);
    }

    @Test
    void oneCall() {
        check("[get_weather(city=\"Paris\")]", 0, "C:get_weather:{\"city\":\"Paris\"}");
    }

    @Test
    void parallelCallsEachAsSoonAsItCloses() {
        check("[get_weather(city=\"Paris\"), get_time(tz='UTC')]", 0,
                "C:get_weather:{\"city\":\"Paris\"}", "C:get_time:{\"tz\":\"UTC\"}");
        Recorder r = new Recorder();
        ToolCallParser p = new ToolCallParser(AUTO, 4096, ToolCallParser.ArgumentCheck.NONE, r);
        p.accept("[get_weather(city=\"Paris\")");
        assertEquals(List.of("C:get_weather:{\"city\":\"Paris\"}"), r.events, "out before the list ends");
        p.accept(", get_time(");
        assertEquals(1, r.events.size(), "never half a call");
    }

    @Test
    void nestedArgumentsBecomeJson() {
        check("[search(q=\"a\\\"b\", filters={'tags': ['x', \"y\"], \"n\": 3, 'on': True, \"none\": None, 1: False}, "
                        + "ratio=-1.5, t=(1, 2), one=(3,), grouped=(4), big=12345678901234567890, hex=0x1F, m=1_000, "
                        + "e=[], d={},)]", 0,
                "C:search:{\"q\":\"a\\\"b\",\"filters\":{\"tags\":[\"x\",\"y\"],\"n\":3,\"on\":true,\"none\":null,"
                        + "\"1\":false},\"ratio\":-1.5,\"t\":[1,2],\"one\":[3],\"grouped\":4,"
                        + "\"big\":12345678901234567890,\"hex\":31,\"m\":1000,\"e\":[],\"d\":{}}");
    }

    @Test
    void escapesAndMultiByteText() {
        check("[get_weather(city=\"Zürich \\u00e9\\t東京 🙂\", note='it\\'s', raw=r\"a\\d\", x=\"\\x41\\U0001F642\\101\", "
                        + "joined=\"a\" 'b', tq=\"\"\"say \"hi\" \"\"\")]", 0,
                "C:get_weather:{\"city\":\"Zürich é\\t東京 🙂\",\"note\":\"it's\",\"raw\":\"a\\\\d\","
                        + "\"x\":\"A🙂A\",\"joined\":\"ab\",\"tq\":\"say \\\"hi\\\" \"}");
    }

    @Test
    void bracketsAndParenthesesInsideStrings() {
        check("[get_weather(city=\"Pa)ris]\", note='{[(')]", 0,
                "C:get_weather:{\"city\":\"Pa)ris]\",\"note\":\"{[(\"}");
    }

    @Test
    void jsonStyleCallsAreAcceptedWhicheverStyleWasPrompted() {
        check("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": [1, 2]}}", 0,
                "C:get_weather:{\"city\":\"Paris\",\"days\":[1,2]}");
        check("{\"type\": \"function\", \"name\": \"get_time\", \"parameters\": {}}", 0, "C:get_time:{}");
        check("{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}", 0,
                "C:get_weather:{\"city\":\"Oslo\"}");
        check("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"A\"}}{\"name\": \"get_time\", \"parameters\": "
                + "{\"tz\": \"UTC\"}}", 0, "C:get_weather:{\"city\":\"A\"}", "C:get_time:{\"tz\":\"UTC\"}");
        check("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"A\"}}; {\"name\": \"get_time\", \"parameters\": "
                + "{}}", 0, "C:get_weather:{\"city\":\"A\"}", "C:get_time:{}");
        check("[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"A\"}}, {\"name\": \"get_time\", "
                + "\"parameters\": {}}]", 0, "C:get_weather:{\"city\":\"A\"}", "C:get_time:{}");
        check("{'name': 'get_time'}", 0, "T:{'name': 'get_time'}");
        check("{\"name\": \"get_weather\", \"parameters\": {\"city\": 'Oslo', \"ok\": True}}", 0,
                "C:get_weather:{\"city\":\"Oslo\",\"ok\":true}");
    }

    @Test
    void textBeforeAndAfterACall() {
        check("Let me check. [get_weather(city=\"Paris\")] Done.", 0, "T:Let me check. ",
                "C:get_weather:{\"city\":\"Paris\"}", "T: Done.");
        check("Sure:\n{\"name\": \"get_time\", \"parameters\": {}}\nok", 0, "T:Sure:\n", "C:get_time:{}", "T:\nok");
    }

    @Test
    void whitespaceAroundCallsIsDropped() {
        check("\n\n [get_weather(city=\"Paris\")]\n", 0, "C:get_weather:{\"city\":\"Paris\"}");
        check("  \n", 0, "T:  \n");
    }

    @Test
    void textThatOnlyLooksLikeACallStaysText() {
        check("Hello, world.", 0, "T:Hello, world.");
        check("[docs](https://example.com) and [1, 2, 3] and [get_weather] and {\"answer\": 42}", 0,
                "T:[docs](https://example.com) and [1, 2, 3] and [get_weather] and {\"answer\": 42}");
        check("```python\n[get_weather(city=\"x\")]\n```", 0, "T:```python\n[get_weather(city=\"x\")]\n```");
        check("x=[get_weather(city=\"x\")]", 0, "T:x=[get_weather(city=\"x\")]");
        check("[unknown_tool(x=1)]", 0, "T:[unknown_tool(x=1)]");
        check("{\"name\": \"Alice\", \"age\": 3}", 0, "T:{\"name\": \"Alice\", \"age\": 3}");
        check("[[get_weather(city=\"x\")]]", 0, "T:[[get_weather(city=\"x\")]]");
        check("[" + " ".repeat(200) + "x", 0, "T:[" + " ".repeat(200) + "x");
    }

    @Test
    void malformedCallsAreTextAndCounted() {
        check("[get_weather(city=Paris)]", 1, "T:[get_weather(city=Paris)]");
        check("[get_weather(\"Paris\")]", 1, "T:[get_weather(\"Paris\")]");
        check("[get_weather(city=\"Par", 1, "T:[get_weather(city=\"Par");
        check("[get_weather(city=\"x\", city=\"y\")]", 1, "T:[get_weather(city=\"x\", city=\"y\")]");
        check("[get_weather(city=\"x\"]", 1, "T:[get_weather(city=\"x\"]");
        check("[get_weather(city=\"Paris\"), 42]", 1, "C:get_weather:{\"city\":\"Paris\"}", "T:, 42]");
        check("[get_weather(city=\"Paris\"), nope(x=1)]", 1, "C:get_weather:{\"city\":\"Paris\"}", "T:, nope(x=1)]");
        check("{\"name\": \"get_weather\", \"parameters\": [1]}", 1, "T:{\"name\": \"get_weather\", \"parameters\": [1]}");
        check("{\"name\": \"get_weather\", \"parameters\": {\"a\": 1}", 1,
                "T:{\"name\": \"get_weather\", \"parameters\": {\"a\": 1}");
    }

    @Test
    void aCallLongerThanTheLimitIsText() {
        String call = "[get_weather(city=\"" + "x".repeat(100) + "\")]";
        Recorder r = new Recorder();
        ToolCallParser p = new ToolCallParser(AUTO, 50, ToolCallParser.ArgumentCheck.NONE, r);
        p.accept(call);
        p.finish();
        assertEquals(List.of("T:" + call), r.events);
        assertEquals(1, p.unparsed());
    }

    @Test
    void namesAreReportedAsTheClientNamedThem() {
        check("[get_weather_2(city=\"x\")]", 0, "C:get-weather:{\"city\":\"x\"}");
    }

    @Test
    void onlyTheFirstCallWhenParallelCallsAreOff() {
        ToolUse one = new ToolUse(TOOLS, "", false, Map.of());
        check(one, "[get_weather(city=\"a\"), get_time(tz=\"b\")]", 0, "C:get_weather:{\"city\":\"a\"}");
        assertEquals(1, run(one, List.of("[get_weather(city=\"a\"), get_time(tz=\"b\")]")).dropped);
    }

    @Test
    void thePrefillIsParsedWithTheContinuation() {
        check(new ToolUse(TOOLS, "[", true, Map.of()), "get_weather(city=\"Paris\")]", 0,
                "C:get_weather:{\"city\":\"Paris\"}");
        check(new ToolUse(Map.of("get_weather", "get_weather"), "[get_weather(", true, Map.of()), "city=\"Paris\")]", 0,
                "C:get_weather:{\"city\":\"Paris\"}");
        check(new ToolUse(TOOLS, "{\"name\": \"", true, Map.of()), "get_time\", \"parameters\": {}}", 0,
                "C:get_time:{}");
        // a continuation that is no call: the prefill is part of the text the client gets
        check(new ToolUse(TOOLS, "[", true, Map.of()), "I cannot call that.", 0, "T:[I cannot call that.");
    }

    @Test
    void refusedArgumentsMakeTheCallText() {
        Recorder r = new Recorder();
        ToolCallParser p = new ToolCallParser(AUTO, 4096, (name, args) -> args.has("city"), r);
        p.accept("[get_weather(town=\"x\")]");
        p.finish();
        assertEquals(List.of("T:[get_weather(town=\"x\")]"), r.events);
        assertEquals(1, p.unparsed());
    }
}
