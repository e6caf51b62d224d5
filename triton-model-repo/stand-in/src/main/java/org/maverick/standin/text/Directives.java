package org.maverick.standin.text;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-request behaviour chosen by markers in the prompt text, so a test picks the stand-in's
 * behaviour through the same request path the gateway uses. Syntax: {@code [standin:NAME]} or
 * {@code [standin:NAME=VALUE]}, anywhere in the prompt; unknown names are ignored.
 *
 * @param utf8       multi-byte text (accents, CJK, emoji)
 * @param fffd       llmapi: a non-final cumulative text may end in U+FFFD, completed by the next response
 * @param echo       the answer is the prompt's last line
 * @param length     natural end after this many tokens
 * @param errorAt    an error_message after this many tokens ends the request
 * @param cutAt      the call is aborted with UNAVAILABLE after this many tokens
 * @param ttftMs     fixed, unscaled time to first token
 * @param itlMs      fixed, unscaled time per token
 * @param stamp      each streamed response's new text starts with a {@link Stamp} marker carrying its send time
 * @param toolCall   when the prompt offers tools: answer with tool calls of this kind (see {@link ToolAnswers})
 * @param images     the answer states how many pictures came in image_url and each one's size and type
 */
public record Directives(
        boolean utf8,
        boolean fffd,
        boolean echo,
        OptionalInt length,
        OptionalInt errorAt,
        OptionalInt cutAt,
        OptionalDouble ttftMs,
        OptionalDouble itlMs,
        boolean stamp,
        Optional<String> toolCall,
        boolean images) {

    /** Matches one directive; group 1 the name, group 2 the optional value. */
    public static final Pattern DIRECTIVE = Pattern.compile("\\[standin:([a-z0-9_]+)(?:=([^\\]]*))?]");

    public static final Directives NONE = new Directives(false, false, false, OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), false, Optional.empty(), false);

    public static Directives parse(String prompt) {
        boolean utf8 = false;
        boolean fffd = false;
        boolean echo = false;
        OptionalInt length = OptionalInt.empty();
        OptionalInt errorAt = OptionalInt.empty();
        OptionalInt cutAt = OptionalInt.empty();
        OptionalDouble ttft = OptionalDouble.empty();
        OptionalDouble itl = OptionalDouble.empty();
        boolean stamp = false;
        Optional<String> toolCall = Optional.empty();
        boolean images = false;
        Matcher m = DIRECTIVE.matcher(prompt);
        while (m.find()) {
            String value = m.group(2);
            switch (m.group(1)) {
                case "utf8" -> utf8 = true;
                case "fffd" -> fffd = true;
                case "echo" -> echo = true;
                case "length" -> length = intValue(value);
                case "error_at" -> errorAt = intValue(value);
                case "cut_at" -> cutAt = intValue(value);
                case "ttft_ms" -> ttft = doubleValue(value);
                case "itl_ms" -> itl = doubleValue(value);
                case "stamp" -> stamp = true;
                case "images" -> images = true;
                case "tool_call" -> toolCall = Optional.ofNullable(value).map(String::trim);
                default -> { }
            }
        }
        return new Directives(utf8, fffd, echo, length, errorAt, cutAt, ttft, itl, stamp, toolCall, images);
    }

    /** The prompt without its directives (what {@code echo} repeats). */
    public static String strip(String prompt) {
        return DIRECTIVE.matcher(prompt).replaceAll("");
    }

    private static OptionalInt intValue(String value) {
        try {
            return value == null ? OptionalInt.empty() : OptionalInt.of(Math.max(0, Integer.parseInt(value.trim())));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static OptionalDouble doubleValue(String value) {
        try {
            return value == null ? OptionalDouble.empty() : OptionalDouble.of(Math.max(0, Double.parseDouble(value.trim())));
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }
}
