package org.maverick.benchmark.load;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Incremental Server-Sent Events parser (the WHATWG rules a client needs here): bytes arrive in
 * arbitrary pieces; lines end in LF, CRLF or CR; {@code data:} lines of one event are joined with
 * LF; a blank line dispatches the event; comments ({@code :}) and other fields ({@code id},
 * {@code event}, {@code retry}) are skipped. Lines are decoded as UTF-8 only once complete, so a
 * character split across network reads is never mangled. Not thread-safe: one per stream.
 */
public final class SseParser {

    private final Consumer<String> onEvent;
    private byte[] line = new byte[256];
    private int lineLength;
    private boolean lastWasCr;
    private StringBuilder data;

    public SseParser(Consumer<String> onEvent) {
        this.onEvent = onEvent;
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    public void feed(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false; // the LF of a CRLF
                    continue;
                }
                endLine();
            } else if (b == '\r') {
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                if (lineLength == line.length) {
                    line = Arrays.copyOf(line, lineLength * 2);
                }
                line[lineLength++] = b;
            }
        }
    }

    private void endLine() {
        if (lineLength == 0) {
            if (data != null) {
                String event = data.toString();
                data = null;
                onEvent.accept(event);
            }
            return;
        }
        String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
        lineLength = 0;
        if (text.startsWith(":")) {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        if (!field.equals("data")) {
            return;
        }
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (data == null) {
            data = new StringBuilder(value);
        } else {
            data.append('\n').append(value);
        }
    }
}
