package org.maverick.standin.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ToolAnswersTest {

    private static final String TOOLS = "<|header_start|>system<|header_end|>\n\nHere is a list of functions:\n[\n    {\n"
            + "        \"name\": \"get_weather\"\n    },\n    {\n        \"name\": \"get_time\"\n    }\n]<|eot|>";
    private static final String ASSISTANT = "<|header_start|>assistant<|header_end|>\n\n";

    private static String answer(String prompt) {
        return String.join("", TextGenerator.answer(prompt, 0, Directives.parse(prompt)));
    }

    @Test
    void answersWithTheKindOfCallAskedFor() {
        String user = "<|header_start|>user<|header_end|>\n\nWeather? [standin:tool_call=%s]<|eot|>" + ASSISTANT;
        assertEquals("[get_weather(city=\"Paris\")]", answer(TOOLS + user.formatted("pythonic")));
        assertEquals("[get_weather(city=\"Paris\"), get_time(city='Zürich')]", answer(TOOLS + user.formatted("parallel")));
        assertEquals("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", answer(TOOLS + user.formatted("json")));
        assertEquals("[get_weather(city=Paris)]", answer(TOOLS + user.formatted("malformed")));
        assertTrue(TextGenerator.answer(TOOLS + user.formatted("pythonic"), 0, Directives.NONE).size() > 3, "in pieces");
    }

    @Test
    void continuesAPrefillAndAnswersAToolResultWithText() {
        String user = "<|header_start|>user<|header_end|>\n\nTime?<|eot|>" + ASSISTANT;
        assertEquals("city=\"Paris\")]", answer(TOOLS + user + "[get_time("));
        assertEquals("Result: 21 degrees", answer(TOOLS + user + "[get_weather(city=\"Paris\")]<|eot|>"
                + "<|header_start|>ipython<|header_end|>\n\n21 degrees<|eot|>" + ASSISTANT));
        assertTrue(!answer("no tools [standin:tool_call=pythonic]").contains("("), "no tools offered: plain text");
    }
}
