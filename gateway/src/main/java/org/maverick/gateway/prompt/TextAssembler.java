package org.maverick.gateway.prompt;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns one generation's backend output into the text deltas sent to the client.
 *
 * <p>Guarantees, for every sequence of calls:
 * <ul>
 *   <li>the concatenation of all emitted deltas is a prefix of the generated text, and never
 *       contains a stop string or anything after it;</li>
 *   <li>no delta ends inside a UTF-8 character or between the two halves of a surrogate pair,
 *       and no U+FFFD is emitted for a character that was merely incomplete;</li>
 *   <li>text already emitted is never contradicted (see {@link Mode#CUMULATIVE}).</li>
 * </ul>
 *
 * <p>Stop strings are matched across response boundaries: the longest tail of the text that
 * is a prefix of some stop string is held back until it either completes a stop (it and
 * everything after it are dropped, {@link Step#stopped()} is reported) or can no longer do so
 * (it is emitted). Give the assembler the same stop strings that were sent to the engine, so
 * that an engine-side trim is recognised (see below).
 *
 * <p>Not thread-safe: one instance per stream, called from the thread (or serialised
 * callbacks) delivering that stream's responses. Each mode accepts only its own
 * {@code accept} method; calls after {@link #finish()} throw {@link IllegalStateException},
 * calls after a stop are ignored and return {@link Step#NONE}.
 */
public final class TextAssembler {

    /** How the backend delivers text. */
    public enum Mode {
        /**
         * Each response carries the whole text so far (TensorRT-LLM's llmapi model). Handled
         * by diffing against the text taken so far:
         * <ul>
         *   <li>trailing U+FFFD (and a trailing lone high surrogate) are held back: they are
         *       an incomplete character that a later response replaces;</li>
         *   <li>text that only extends the previous text is taken as new text;</li>
         *   <li>text that is shorter or differs only inside what is still held back (the
         *       engine trimmed a matched stop string it had already streamed, or rewrote a
         *       held tail) resynchronises silently: the held text is replaced;</li>
         *   <li>text that contradicts what was already <em>emitted</em> is a divergence: it is
         *       counted ({@link #divergences()}) and nothing is emitted for that response.
         *       Processing resumes as soon as a response again starts with the emitted text.
         *       Emitted text is never retracted or duplicated.</li>
         * </ul>
         * Cost per response: given bytes ({@link #acceptCumulative(byte[])}), linear in the new text
         * plus one vectorised compare of the bytes; given a string, linear in the text length.
         */
        CUMULATIVE,
        /**
         * Each response carries new UTF-8 bytes that may split a character (the engine-path
         * ensemble). An incomplete trailing sequence (at most 3 bytes) waits for the next
         * response; bytes that can never be valid become U+FFFD.
         */
        DELTA_BYTES
    }

    /**
     * What one call produced: the text to send (possibly empty) and whether a stop string
     * completed in this call. {@code stopped} is true in exactly one step of a stream.
     */
    public record Step(String delta, boolean stopped) {

        /** Nothing to send. */
        public static final Step NONE = new Step("", false);
        /** A stop completed with nothing before it to send. */
        public static final Step STOPPED = new Step("", true);

        public Step {
            Objects.requireNonNull(delta, "delta");
        }

        static Step of(String delta, boolean stopped) {
            if (delta.isEmpty()) {
                return stopped ? STOPPED : NONE;
            }
            return new Step(delta, stopped);
        }

        public boolean isEmpty() {
            return delta.isEmpty() && !stopped;
        }
    }

    private static final char REPLACEMENT = '\uFFFD';

    private final Mode mode;
    private final StopStrings stops;
    /** Taken but not yet emitted; always a prefix of some stop string (plus, rarely, a held high surrogate). */
    private final StringBuilder pending = new StringBuilder();

    // CUMULATIVE: the text taken so far (emitted + pending) in acc[0, accLength).
    private char[] acc = new char[0];
    private int accLength;
    private char[] scratch = new char[0];
    private int trailingHeld;
    // CUMULATIVE from bytes: the last response's bytes, and a character start in them whose text is acc[0, checkpointChar)
    private byte[] cumulativeBytes;
    private int checkpointByte;
    private int checkpointChar;

    // DELTA_BYTES
    private final Utf8StreamDecoder decoder;
    private char[] decoded;

    private long emittedChars;
    private int divergences;
    private int droppedIncomplete;
    private boolean stopped;
    private boolean finished;
    private String matchedStop;

    public TextAssembler(Mode mode, StopStrings stops) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.stops = Objects.requireNonNull(stops, "stops");
        this.decoder = mode == Mode.DELTA_BYTES ? new Utf8StreamDecoder() : null;
        this.decoded = new char[mode == Mode.DELTA_BYTES ? 64 : 0];
    }

    public static TextAssembler cumulative(StopStrings stops) {
        return new TextAssembler(Mode.CUMULATIVE, stops);
    }

    public static TextAssembler deltaBytes(StopStrings stops) {
        return new TextAssembler(Mode.DELTA_BYTES, stops);
    }

    public Mode mode() {
        return mode;
    }

    /** Takes the whole text generated so far. */
    public Step acceptCumulative(String text) {
        requireOpen(Mode.CUMULATIVE);
        if (stopped) {
            return Step.NONE;
        }
        cumulativeBytes = null; // a text without its bytes: the next bytes are taken whole
        return takeCumulative(0, text);
    }

    /**
     * Takes the whole text generated so far as UTF-8 bytes (the llmapi model's {@code text_output});
     * the array is kept, not copied, and must not change afterwards. Cost per response is linear in
     * the <em>new</em> text: the bytes are compared with the previous response's (one vectorised
     * compare) and only those after the last character start they share are decoded, so a long
     * answer is not decoded again at every response.
     */
    public Step acceptCumulative(byte[] utf8) {
        requireOpen(Mode.CUMULATIVE);
        if (stopped) {
            return Step.NONE;
        }
        int from = 0;
        int base = 0;
        if (cumulativeBytes != null) {
            int shared = Arrays.mismatch(cumulativeBytes, utf8);
            if (shared < 0 || shared >= checkpointByte) {
                // bytes [0, checkpointByte) are unchanged, so is their text acc[0, checkpointChar)
                from = checkpointByte;
                base = checkpointChar;
            }
        }
        // A split before a byte that starts a character (not 10xxxxxx) decodes to the same text as the
        // whole: a malformed sequence never runs into the next character's first byte.
        int last = lastCharStart(utf8, from);
        String head = from == last ? "" : new String(utf8, from, last - from, StandardCharsets.UTF_8);
        String tail = new String(utf8, last, utf8.length - last, StandardCharsets.UTF_8);
        int divergencesBefore = divergences;
        Step step = takeCumulative(base, tail.isEmpty() ? head : head.isEmpty() ? tail : head + tail);
        if (divergences == divergencesBefore) {
            // acc now holds this text (its usable part): remember where its last whole character begins
            cumulativeBytes = utf8;
            int at = base + head.length();
            boolean clean = tail.indexOf(REPLACEMENT) < 0 && at <= accLength;
            checkpointByte = clean ? last : from;
            checkpointChar = clean ? at : base;
            if (checkpointChar > accLength) { // the text got shorter than the old checkpoint: start over
                cumulativeBytes = null;
            }
        }
        return step;
    }

    /** The index of the last byte at or after {@code from} that starts a character, or {@code from}. */
    private static int lastCharStart(byte[] utf8, int from) {
        for (int i = utf8.length - 1; i > from; i--) {
            if ((utf8[i] & 0xC0) != 0x80) {
                return i;
            }
        }
        return from;
    }

    /** The text is {@code acc[0, base)} (known unchanged) followed by {@code rest}. */
    private Step takeCumulative(int base, String rest) {
        int total = base + rest.length();
        int usable = total;
        while (usable > 0) {
            char last = usable > base ? rest.charAt(usable - base - 1) : acc[usable - 1];
            if (last != REPLACEMENT && !Character.isHighSurrogate(last)) {
                break;
            }
            usable--;
        }
        trailingHeld = total - usable;
        int restUsable = Math.max(0, usable - base);
        if (scratch.length < restUsable) {
            scratch = new char[Math.max(restUsable, scratch.length * 2)];
        }
        rest.getChars(0, restUsable, scratch, 0);
        int compared = Math.min(accLength, usable);
        int common;
        if (compared <= base) {
            common = compared;
        } else {
            int mismatch = Arrays.mismatch(acc, base, compared, scratch, 0, compared - base);
            common = mismatch < 0 ? compared : base + mismatch;
        }
        int emittedEnd = accLength - pending.length();
        if (common < accLength) {
            if (common < emittedEnd) {
                // Contradicts text the client already has: wait for the backend to come back.
                divergences++;
                return Step.NONE;
            }
            // Only held-back text changed (e.g. the engine trimmed a stop it had streamed).
            pending.setLength(common - emittedEnd);
        }
        if (acc.length < usable) {
            acc = Arrays.copyOf(acc, Math.max(usable, acc.length * 2));
        }
        System.arraycopy(scratch, 0, acc, base, restUsable);
        accLength = usable;
        return usable > common ? push(acc, common, usable) : Step.NONE;
    }

    /** Takes the next chunk of UTF-8 bytes. */
    public Step acceptDelta(byte[] utf8) {
        requireOpen(Mode.DELTA_BYTES);
        if (stopped || utf8.length == 0) {
            return Step.NONE;
        }
        int max = decoder.maxChars(utf8.length);
        if (decoded.length < max) {
            decoded = new char[Math.max(max, decoded.length * 2)];
        }
        int n = decoder.decode(utf8, decoded);
        return n == 0 ? Step.NONE : push(decoded, 0, n);
    }

    /**
     * Ends the stream: emits held text that did not become a stop string. An incomplete
     * character at the very end (pending UTF-8 bytes, or trailing U+FFFD in the last
     * cumulative text) is dropped and counted in {@link #droppedIncomplete()}. Further calls
     * return {@link Step#NONE}.
     */
    public Step finish() {
        if (finished) {
            return Step.NONE;
        }
        finished = true;
        if (stopped) {
            return Step.NONE;
        }
        if (mode == Mode.DELTA_BYTES) {
            if (decoder.dropPending()) {
                droppedIncomplete++;
            }
        } else {
            droppedIncomplete += trailingHeld;
        }
        if (pending.length() == 0) {
            return Step.NONE;
        }
        String rest = pending.toString();
        pending.setLength(0);
        emittedChars += rest.length();
        return Step.of(rest, false);
    }

    /** Whether a stop string completed. */
    public boolean stopped() {
        return stopped;
    }

    /** The stop string that completed, if one did. */
    public Optional<String> matchedStop() {
        return Optional.ofNullable(matchedStop);
    }

    /** Cumulative responses that contradicted already-emitted text (see {@link Mode#CUMULATIVE}). */
    public int divergences() {
        return divergences;
    }

    /**
     * Incomplete characters dropped at the end of the stream: 1 for an incomplete UTF-8 tail in
     * delta mode, the number of trailing U+FFFD of the last text in cumulative mode.
     */
    public int droppedIncomplete() {
        return droppedIncomplete;
    }

    /** Total UTF-16 chars emitted so far. */
    public long emittedChars() {
        return emittedChars;
    }

    private void requireOpen(Mode expected) {
        if (mode != expected) {
            throw new IllegalStateException("assembler is in " + mode + " mode");
        }
        if (finished) {
            throw new IllegalStateException("assembler already finished");
        }
    }

    /** Runs new text {@code src[from, to)} through stop matching and hold-back. */
    private Step push(char[] src, int from, int to) {
        if (stops.isEmpty() && pending.length() == 0) {
            int end = to;
            if (Character.isHighSurrogate(src[end - 1])) {
                end--; // defensive: never split a pair (well-formed input never gets here)
                pending.append(src[end]);
            }
            return emitDirect(src, from, end);
        }
        int searchFrom = Math.max(0, pending.length() - stops.maxLength() + 1);
        pending.append(src, from, to - from);
        if (!stops.isEmpty()) {
            long found = stops.find(pending, searchFrom);
            if (found >= 0) {
                int start = (int) (found >>> 32);
                matchedStop = stops.get((int) found);
                stopped = true;
                String delta = pending.substring(0, start);
                pending.setLength(0);
                emittedChars += delta.length();
                return Step.of(delta, true);
            }
        }
        int emitEnd = pending.length() - stops.heldSuffixLength(pending);
        if (emitEnd > 0 && Character.isHighSurrogate(pending.charAt(emitEnd - 1))) {
            emitEnd--;
        }
        if (emitEnd == 0) {
            return Step.NONE;
        }
        String delta = pending.substring(0, emitEnd);
        pending.delete(0, emitEnd);
        emittedChars += delta.length();
        return Step.of(delta, false);
    }

    private Step emitDirect(char[] src, int from, int to) {
        if (to <= from) {
            return Step.NONE;
        }
        emittedChars += to - from;
        return new Step(new String(src, from, to - from), false);
    }
}
