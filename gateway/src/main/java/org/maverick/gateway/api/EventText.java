package org.maverick.gateway.api;

import org.maverick.gateway.generation.GenerationEvent;

/** The text of one SSE write: what goes before the event (may be empty), its {@code id} line if it has one, the event. */
final class EventText {

    private EventText() {
    }

    /**
     * {@code before}, then {@code "id: <eventId>\n"} unless {@code eventId} is {@link GenerationEvent#NO_ID}, then
     * {@code event}: the bytes the separate writes of each part would have sent, in one string.
     */
    static String join(String before, long eventId, String event) {
        if (eventId == GenerationEvent.NO_ID) {
            return before.isEmpty() ? event : before.concat(event);
        }
        String id = Long.toString(eventId);
        return new StringBuilder(before.length() + 5 + id.length() + event.length())
                .append(before).append("id: ").append(id).append('\n').append(event).toString();
    }
}
