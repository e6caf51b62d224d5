package org.maverick.gateway.api;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.generation.GenerationEvent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class EventTextTest {

    private static final String EVENT = "data: {\"x\":\"é\"}\n\n";

    @Test
    void anEventWithoutIdOrOpeningIsWrittenAsItIs() {
        assertSame(EVENT, EventText.join("", GenerationEvent.NO_ID, EVENT));
    }

    @Test
    void theOpeningGoesFirst() {
        assertEquals("data: role\n\n" + EVENT, EventText.join("data: role\n\n", GenerationEvent.NO_ID, EVENT));
    }

    @Test
    void theIdLineGoesRightBeforeItsEvent() {
        assertEquals("id: 42\n" + EVENT, EventText.join("", 42, EVENT));
        assertEquals("id: 0\n" + EVENT, EventText.join("", 0, EVENT));
        assertEquals("data: role\n\nid: " + Long.MAX_VALUE + "\n" + EVENT,
                EventText.join("data: role\n\n", Long.MAX_VALUE, EVENT));
    }

    @Test
    void sameBytesAsTheSeparateWrites() {
        // what the relay wrote before: the opening, "id: N\n", then the event, each its own chunk
        String separate = "data: role\n\n" + "id: " + 7 + "\n" + EVENT;
        assertEquals(separate, EventText.join("data: role\n\n", 7, EVENT));
    }
}
