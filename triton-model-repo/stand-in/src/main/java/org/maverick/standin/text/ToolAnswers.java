package org.maverick.standin.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tool-call answers, so that tests drive every case of the gateway's call parsing deterministically. Only when the
 * prompt offers tools (the gateway lists them, in either of its styles, with {@code "name": "…"} at an indent of
 * eight spaces). Then:
 *
 * <ul>
 *   <li>if the last turn is a tool result ({@code ipython}), the answer is text: {@code Result: } and that result;</li>
 *   <li>otherwise, with {@code [standin:tool_call=KIND]}, or when the gateway prefilled the start of a call (then
 *       KIND is {@code pythonic}), the answer is a call of the first tool offered (the named one after a prefill
 *       {@code [name(}), of this KIND: {@code pythonic} {@code [t(city="Paris")]}; {@code json}
 *       {@code {"name": "t", "parameters": {"city": "Paris"}}}; {@code parallel} two calls of the first two tools;
 *       {@code nested} nested arguments with escapes and every literal kind; {@code malformed} {@code [t(city=Paris)]};
 *       {@code text_before} a sentence, then a call; {@code text} no call;</li>
 *   <li>a prefill the answer starts with is left out (the model continues after it).</li>
 * </ul>
 *
 * The answer is cut into pieces of three characters, so calls arrive split across many responses.
 */
public final class ToolAnswers {

    private static final Pattern TOOL_NAME = Pattern.compile("\n {8}\"name\": \"([A-Za-z0-9_-]{1,64})\"");
    private static final String ASSISTANT = "<|header_start|>assistant<|header_end|>\n\n";
    private static final Pattern TOOL_RESULT = Pattern.compile(
            "<\\|header_start\\|>ipython<\\|header_end\\|>\n\n(.*?)<\\|eot\\|>" + Pattern.quote(ASSISTANT) + "$",
            Pattern.DOTALL);

    private ToolAnswers() {
    }

    public static Optional<List<String>> answer(String prompt, Directives directives) {
        List<String> names = new ArrayList<>();
        Matcher m = TOOL_NAME.matcher(prompt);
        while (m.find()) {
            names.add(m.group(1));
        }
        if (names.isEmpty()) {
            return Optional.empty();
        }
        Matcher result = TOOL_RESULT.matcher(prompt);
        if (result.find()) {
            return Optional.of(pieces("Result: " + result.group(1)));
        }
        int turn = prompt.lastIndexOf(ASSISTANT);
        String prefill = turn < 0 ? "" : prompt.substring(turn + ASSISTANT.length());
        Optional<String> kind = directives.toolCall().or(() -> prefill.isEmpty() ? Optional.empty() : Optional.of("pythonic"));
        if (kind.isEmpty() || kind.get().equals("text")) {
            return Optional.empty();
        }
        Matcher named = Pattern.compile("^\\[([A-Za-z0-9_]+)\\(").matcher(prefill);
        String first = named.find() ? named.group(1) : names.get(0);
        String second = names.size() > 1 ? names.get(1) : first;
        String answer = switch (kind.get()) {
            case "json" -> "{\"name\": \"" + first + "\", \"parameters\": {\"city\": \"Paris\"}}";
            case "parallel" -> "[" + first + "(city=\"Paris\"), " + second + "(city='Zürich')]";
            case "nested" -> "[" + first + "(city=\"Paris\", options={'units': ['metric', \"si\"], \"days\": 3, "
                    + "\"exact\": True, \"note\": None, 'quote': \"say \\\"hi\\\"\\n\", \"ratio\": -0.5})]";
            case "malformed" -> "[" + first + "(city=Paris)]";
            case "text_before" -> "Let me look that up. [" + first + "(city=\"Paris\")]";
            default -> "[" + first + "(city=\"Paris\")]";
        };
        if (answer.startsWith(prefill)) {
            answer = answer.substring(prefill.length());
        }
        return Optional.of(pieces(answer));
    }

    private static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int end = text.offsetByCodePoints(i, Math.min(3, text.codePointCount(i, text.length())));
            out.add(text.substring(i, end));
            i = end;
        }
        return out;
    }
}
