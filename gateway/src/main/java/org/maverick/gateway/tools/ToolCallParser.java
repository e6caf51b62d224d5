package org.maverick.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.maverick.gateway.generation.ToolUse;

import java.util.Map;
import java.util.Objects;

/**
 * Reads tool calls out of a streamed answer, as the text arrives, in either style whichever was prompted:
 * the pythonic list {@code [get_weather(city="Paris"), get_time(tz="UTC")]} and JSON objects
 * {@code {"name": "get_weather", "parameters": {…}}} (also with {@code "type": "function"} first, {@code "arguments"}
 * for {@code "parameters"}, several one after the other or in a list).
 *
 * <p>It does not rely on {@code <|python_start|>}, {@code <|python_end|>} or {@code <|eom|>}: the llmapi model
 * decodes with special tokens skipped, so they never reach the gateway.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>text is relayed as it comes, except for a bounded look-ahead: from a {@code [} or {@code {} that starts the
 *       answer or follows whitespace (outside a {@code ```} code block) until it is clear whether a call begins:
 *       at most {@value #LOOK_AHEAD} characters ({@code [} + a callable name + {@code (}, or {@code {"name"});</li>
 *   <li>a call is reported only once it closed and parsed completely, and at once when it closes;</li>
 *   <li>a call names a tool the request made callable ({@link ToolUse#callable()}), reported under the client's
 *       name; its arguments are a JSON object;</li>
 *   <li>whatever cannot be parsed (a malformed or unfinished call, a call of a tool not offered after a good call,
 *       a call longer than the limit) is relayed as text, never dropped and never half a call, and counted in
 *       {@link #unparsed()};</li>
 *   <li>with {@link ToolUse#parallel()} false only the first call is reported; later ones are counted in
 *       {@link #dropped()};</li>
 *   <li>whitespace and separators around calls are dropped; other text before, between and after calls is
 *       relayed.</li>
 * </ul>
 *
 * <p>Cost: each character is looked at a constant number of times, except that a rejected look-ahead (at most
 * {@value #LOOK_AHEAD} characters) is read again; a closed call is parsed once. Held text is bounded by the
 * look-ahead and {@code maxCallChars}. Not thread-safe: one per stream, fed in order.
 */
public final class ToolCallParser {

    /** Longest text held while it is undecided whether a call starts. */
    static final int LOOK_AHEAD = 128;
    static final int MAX_NAME = 64;

    /** Where the output goes; called on the feeding thread, text always before a call that follows it. */
    public interface Sink {
        /** Text to relay (never empty). */
        void text(String text);

        /** A complete call: the client's tool name and its arguments as a JSON object. */
        void call(String name, String arguments);
    }

    /** Checks a parsed call's arguments (strict schemas); a call it refuses is relayed as text. */
    public interface ArgumentCheck {
        ArgumentCheck NONE = (name, arguments) -> true;

        boolean accepts(String name, JsonNode arguments);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private enum State {
        /** Before anything but whitespace, or after a call: whitespace (and after a call, separators) are held. */
        BETWEEN,
        /** Plain text. */
        TEXT,
        /** After {@code [}: whitespace, then a name or {@code {}. */
        LIST_OPEN,
        /** Inside a call's name. */
        NAME,
        /** After a name and whitespace: {@code (} must follow. */
        NAME_END,
        /** Inside a call's parentheses. */
        ARGS,
        /** After a call inside a list: {@code ,} or {@code ]}. */
        LIST_AFTER,
        /** After {@code ,} inside a list: the next call. */
        LIST_NEXT,
        /** After {@code {}: the first key must be "name" or "type". */
        OBJ_KEY,
        /** Inside a candidate call object. */
        OBJ_BODY
    }

    private final Map<String, String> callable;
    private final boolean parallel;
    private final int maxCallChars;
    private final ArgumentCheck check;
    private final Sink sink;

    private State state = State.BETWEEN;
    /** The undecided candidate, from its first character (or, inside a list, from the separator after a call). */
    private final StringBuilder held = new StringBuilder();
    /** Whitespace or separators before a possible call: dropped if a call follows, relayed otherwise. */
    private final StringBuilder sep = new StringBuilder();
    /** Text to relay at the end of this feed (or before the next call). */
    private final StringBuilder out = new StringBuilder();

    private boolean inList;
    private int nameStart;
    private int nameEnd;
    private int argsStart;
    private int objStart;
    private int depth;
    private char quote;
    private boolean escape;
    private int keyLength;
    private boolean keyQuoted;
    private String keyWord;
    /** The last character relayed as text, for "a call starts after whitespace"; 0 at the start. */
    private char previous;
    private int backticks;
    private boolean inFence;

    private int calls;
    private int reported;
    private int unparsed;
    private int dropped;

    public ToolCallParser(ToolUse use, int maxCallChars, ArgumentCheck check, Sink sink) {
        this.callable = use.callable();
        this.parallel = use.parallel();
        this.maxCallChars = maxCallChars;
        this.check = Objects.requireNonNull(check, "check");
        this.sink = Objects.requireNonNull(sink, "sink");
        // The prefill is the start of the assistant turn the model continues: parsed as if the model wrote it.
        for (int i = 0; i < use.prefill().length(); i++) {
            process(use.prefill().charAt(i));
        }
    }

    /** Takes the next piece of the answer; relays what is decided. */
    public void accept(CharSequence text) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (state == State.TEXT) {
                // Fast path: runs of plain text go out without looking at each character's state.
                int run = i;
                while (run < n) {
                    char c = text.charAt(run);
                    if (c == '[' || c == '{' || c == '`') {
                        break;
                    }
                    run++;
                }
                if (run > i) {
                    out.append(text, i, run);
                    previous = text.charAt(run - 1);
                    backticks = 0;
                    i = run;
                    continue;
                }
            }
            process(text.charAt(i++));
        }
        flush();
    }

    /** The answer ended: decides what is still held. */
    public void finish() {
        switch (state) {
            case BETWEEN -> {
                if (calls == 0) {
                    flushSep(); // an answer of only whitespace is still the answer
                }
                sep.setLength(0);
            }
            case LIST_AFTER, LIST_NEXT -> held.setLength(0); // calls complete, the list just not closed
            case LIST_OPEN, NAME, NAME_END, OBJ_KEY -> {
                if (inList && calls > 0) {
                    unparsed++;
                }
                relayHeld();
            }
            case ARGS, OBJ_BODY -> { // a call that never closed (cut by max_tokens, or not a call at all)
                unparsed++;
                relayHeld();
            }
            default -> { }
        }
        state = State.TEXT;
        flush();
    }

    /** Calls reported. */
    public int calls() {
        return reported;
    }

    /** Call-like text that could not be parsed and was relayed as text. */
    public int unparsed() {
        return unparsed;
    }

    /** Calls parsed but not reported because only one was allowed. */
    public int dropped() {
        return dropped;
    }

    private void process(char c) {
        switch (state) {
            case TEXT -> text(c);
            case BETWEEN -> between(c);
            case LIST_OPEN -> listOpen(c);
            case NAME -> name(c);
            case NAME_END -> nameEnd(c);
            case ARGS -> args(c);
            case LIST_AFTER -> listAfter(c);
            case LIST_NEXT -> listNext(c);
            case OBJ_KEY -> objKey(c);
            case OBJ_BODY -> objBody(c);
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void text(char c) {
        if ((c == '[' || c == '{') && !inFence && (previous == 0 || isSpace(previous))) {
            startCandidate(c);
            return;
        }
        relay(c);
    }

    private void relay(char c) {
        flushSep();
        out.append(c);
        previous = c;
        if (c == '`') {
            if (++backticks == 3) {
                inFence = !inFence; // a ``` fence: code in it may look like a call but is never one
                backticks = 0;
            }
        } else {
            backticks = 0;
        }
    }

    private void between(char c) {
        if (isSpace(c) || (calls > 0 && (c == ',' || c == ';'))) {
            sep.append(c);
            if (sep.length() > LOOK_AHEAD) {
                state = State.TEXT;
                flushSep();
            }
            return;
        }
        state = State.TEXT;
        if (c == '[' || c == '{') {
            startCandidate(c); // the held separator is dropped if this is a call
        } else {
            relay(c);
        }
    }

    private void startCandidate(char c) {
        held.setLength(0);
        held.append(c);
        inList = c == '[';
        if (inList) {
            state = State.LIST_OPEN;
        } else {
            objStart = 0;
            startObject();
        }
    }

    private void startObject() {
        state = State.OBJ_KEY;
        keyLength = 0;
        keyQuoted = false;
    }

    private void listOpen(char c) {
        held.append(c);
        if (isSpace(c)) {
            limitLookAhead();
        } else if (nameChar(c)) {
            nameStart = held.length() - 1;
            state = State.NAME;
        } else if (c == '{') {
            objStart = held.length() - 1;
            startObject();
        } else {
            reject();
        }
    }

    private void name(char c) {
        held.append(c);
        if (nameChar(c)) {
            if (held.length() - nameStart > MAX_NAME) {
                reject();
            }
        } else if (isSpace(c)) {
            nameEnd = held.length() - 1;
            state = State.NAME_END;
        } else if (c == '(') {
            nameEnd = held.length() - 1;
            openArgs();
        } else {
            reject();
        }
    }

    private void nameEnd(char c) {
        held.append(c);
        if (isSpace(c)) {
            limitLookAhead();
        } else if (c == '(') {
            openArgs();
        } else {
            reject();
        }
    }

    private void openArgs() {
        if (!callable.containsKey(held.substring(nameStart, nameEnd))) {
            reject(); // not a tool offered: text (or code) that merely looks like a call
            return;
        }
        argsStart = held.length();
        depth = 0;
        quote = 0;
        escape = false;
        state = State.ARGS;
    }

    private void args(char c) {
        held.append(c);
        if (quote != 0) {
            if (escape) {
                escape = false;
            } else if (c == '\\') {
                escape = true;
            } else if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0) {
                if (c == ')') {
                    closeCall();
                } else {
                    malformed();
                }
                return;
            }
            depth--;
        }
        if (state == State.ARGS && held.length() > maxCallChars) {
            malformed();
        }
    }

    private void closeCall() {
        String name = callable.get(held.substring(nameStart, nameEnd));
        ObjectNode arguments;
        try {
            arguments = PythonLiterals.keywordArguments(held, argsStart, held.length() - 1);
        } catch (PythonLiterals.Malformed e) {
            malformed();
            return;
        }
        if (!report(name, arguments)) {
            malformed();
            return;
        }
        held.setLength(0);
        state = State.LIST_AFTER;
    }

    private void listAfter(char c) {
        held.append(c);
        if (isSpace(c)) {
            limitLookAhead();
        } else if (c == ',') {
            state = State.LIST_NEXT;
        } else if (c == ']') {
            held.setLength(0);
            inList = false;
            state = State.BETWEEN;
        } else {
            unparsed++; // the list goes on with something that is not a call
            malformedNoCount();
        }
    }

    private void listNext(char c) {
        held.append(c);
        if (isSpace(c)) {
            limitLookAhead();
        } else if (nameChar(c)) {
            nameStart = held.length() - 1;
            state = State.NAME;
        } else if (c == '{') {
            objStart = held.length() - 1;
            startObject();
        } else if (c == ']') { // a trailing comma
            held.setLength(0);
            inList = false;
            state = State.BETWEEN;
        } else {
            unparsed++;
            malformedNoCount();
        }
    }

    private void objKey(char c) {
        held.append(c);
        if (!keyQuoted) {
            if (isSpace(c)) {
                limitLookAhead();
            } else if (c == '"') {
                keyQuoted = true;
            } else {
                reject();
            }
            return;
        }
        if (c == '"') {
            if (keyLength != 4) {
                reject();
                return;
            }
            depth = 1;
            quote = 0;
            escape = false;
            state = State.OBJ_BODY;
            return;
        }
        // the key must spell "name" or "type": give up at the first character that cannot
        if (keyLength == 0) {
            keyWord = c == 'n' ? "name" : c == 't' ? "type" : null;
        }
        if (keyWord == null || keyLength >= 4 || keyWord.charAt(keyLength) != c) {
            reject();
            return;
        }
        keyLength++;
    }

    private void objBody(char c) {
        held.append(c);
        if (quote != 0) {
            if (escape) {
                escape = false;
            } else if (c == '\\') {
                escape = true;
            } else if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '{' || c == '[' || c == '(') {
            depth++;
        } else if (c == '}' || c == ']' || c == ')') {
            if (--depth == 0) {
                if (c == '}') {
                    closeObject();
                } else {
                    malformed();
                }
                return;
            }
        }
        if (held.length() > maxCallChars) {
            malformed();
        }
    }

    private void closeObject() {
        String text = held.substring(objStart);
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (Exception e) {
            try {
                node = PythonLiterals.parse(text); // a model may write Python literals in a "JSON" call
            } catch (PythonLiterals.Malformed m) {
                node = null;
            }
        }
        if (node == null || !node.isObject()) {
            malformed();
            return;
        }
        JsonNode name = node.get("name");
        JsonNode args = node.has("parameters") ? node.get("parameters") : node.get("arguments");
        boolean callLike = (name != null && name.isTextual() && callable.containsKey(name.textValue()))
                || node.has("parameters") || node.has("arguments");
        boolean valid = name != null && name.isTextual() && callable.containsKey(name.textValue())
                && (!node.has("type") || "function".equals(node.get("type").asText()))
                && !(node.has("parameters") && node.has("arguments"));
        if (valid) {
            java.util.Iterator<String> keys = node.fieldNames();
            while (keys.hasNext()) {
                String k = keys.next();
                if (!k.equals("name") && !k.equals("type") && !k.equals("parameters") && !k.equals("arguments")) {
                    valid = false;
                }
            }
        }
        ObjectNode arguments = null;
        if (valid) {
            if (args == null || args.isNull()) {
                arguments = JSON.createObjectNode();
            } else if (args.isObject()) {
                arguments = (ObjectNode) args;
            } else if (args.isTextual()) { // OpenAI's shape: arguments as a JSON string
                try {
                    JsonNode inner = JSON.readTree(args.textValue());
                    arguments = inner != null && inner.isObject() ? (ObjectNode) inner : null;
                } catch (Exception e) {
                    arguments = null;
                }
            }
        }
        if (arguments == null || !report(callable.get(name.textValue()), arguments)) {
            if (callLike || (inList && calls > 0)) {
                unparsed++;
            }
            relayHeld();
            state = State.TEXT;
            return;
        }
        held.setLength(0);
        state = inList ? State.LIST_AFTER : State.BETWEEN;
    }

    /** Reports a parsed call (or drops it when only one is allowed); false if its arguments were refused. */
    private boolean report(String name, ObjectNode arguments) {
        if (!check.accepts(name, arguments)) {
            return false;
        }
        calls++;
        sep.setLength(0);
        if (!parallel && reported > 0) {
            dropped++;
            return true;
        }
        flush();
        reported++;
        sink.call(name, arguments.toString());
        return true;
    }

    /** The look-ahead showed no call: its first character is text, the rest is read again. */
    private void reject() {
        if (inList && calls > 0) {
            unparsed++; // a list of calls goes on with something else
            malformedNoCount();
            return;
        }
        String rest = held.substring(1);
        char first = held.charAt(0);
        held.setLength(0);
        state = State.TEXT;
        relay(first);
        for (int i = 0; i < rest.length(); i++) {
            process(rest.charAt(i));
        }
    }

    private void limitLookAhead() {
        if (held.length() > LOOK_AHEAD) {
            reject();
        }
    }

    /** A call that began (its name was offered) but cannot be parsed: all of it is text. */
    private void malformed() {
        unparsed++;
        malformedNoCount();
    }

    private void malformedNoCount() {
        relayHeld();
        state = State.TEXT;
        inList = false;
    }

    private void relayHeld() {
        if (held.length() > 0) {
            flushSep();
            out.append(held);
            previous = held.charAt(held.length() - 1);
            held.setLength(0);
        }
    }

    private void flushSep() {
        if (sep.length() > 0) {
            out.append(sep);
            previous = sep.charAt(sep.length() - 1);
            sep.setLength(0);
        }
    }

    private void flush() {
        if (out.length() > 0) {
            String text = out.toString();
            out.setLength(0);
            sink.text(text);
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r';
    }

    private static boolean nameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
}
