package org.maverick.benchmark.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    static List<String> parse(String... pieces) {
        List<String> events = new ArrayList<>();
        SseParser p = new SseParser(events::add);
        for (String piece : pieces) {
            p.feed(piece.getBytes(StandardCharsets.UTF_8));
        }
        return events;
    }

    @Test
    void dataLinesEndAtABlankLineAndCommentsAndOtherFieldsAreSkipped() {
        assertEquals(List.of("{\"a\":1}", "[DONE]"),
                parse(": keep-alive\n\nid: 3\ndata: {\"a\":1}\n\nevent: x\ndata: [DONE]\n\n"));
    }

    @Test
    void eventsSplitAnywhereAcrossReadsIncludingInsideAUtf8CharacterAreReassembled() {
        byte[] all = "data: caf\u00e9 \ud83d\ude80\n\ndata: two\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < all.length; cut++) {
            List<String> events = new ArrayList<>();
            SseParser p = new SseParser(events::add);
            p.feed(all, 0, cut);
            p.feed(all, cut, all.length);
            assertEquals(List.of("caf\u00e9 \ud83d\ude80", "two"), events, "cut at " + cut);
        }
    }

    @Test
    void crLfAndCrLineEndsAndMultiLineDataFollowTheSpec() {
        assertEquals(List.of("a\nb", "c"), parse("data: a\r\ndata:b\r\n\r\ndata: c\r\r"));
    }

    @Test
    void anUnterminatedEventIsNotDispatched() {
        assertEquals(List.of(), parse("data: partial"));
    }
}
