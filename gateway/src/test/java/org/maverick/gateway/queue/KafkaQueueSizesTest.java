package org.maverick.gateway.queue;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.config.QueuedSizes;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The producers' max.request.size follows from the request limits, and an operator's smaller one stops the start. */
class KafkaQueueSizesTest {

    private static final long DEFAULTS = QueuedSizes.largestQueuedRequest(4L << 20, 20L << 20);

    @Test
    void theDefaultLimitsGiveThirtyFiveMebibytes() {
        // 2 x 4 MiB body + base64 of 20 MiB of fetched pictures (26.7 MiB) + 64 KiB, rounded up to a MiB.
        assertEquals(35L << 20, DEFAULTS);
        assertEquals(1L << 20, QueuedSizes.largestQueuedRequest(1, 0), "never less than a whole MiB");
        assertTrue(QueuedSizes.largestQueuedRequest(8L << 20, 20L << 20) > DEFAULTS, "grows with the body limit");
        assertTrue(QueuedSizes.largestQueuedRequest(4L << 20, 30L << 20) > DEFAULTS, "and with the pictures' limit");
    }

    @Test
    void withoutAnOperatorsSettingTheProducersTakeTheLargestQueuedRequest() {
        assertEquals(DEFAULTS, KafkaQueue.maxRequestBytes(Map.of(), DEFAULTS));
    }

    @Test
    void aLargerOperatorsSettingStands() {
        assertEquals(64L << 20, KafkaQueue.maxRequestBytes(Map.of("max.request.size", String.valueOf(64L << 20)),
                DEFAULTS));
    }

    @Test
    void aSmallerOperatorsSettingRefusesTheStartNamingTheSettings() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KafkaQueue.maxRequestBytes(Map.of("max.request.size", "1048576"), DEFAULTS));
        for (String named : new String[] {"kafka.max.request.size", "gateway.limits.max-body-bytes",
                "gateway.images.max-total-bytes", "max.message.bytes", String.valueOf(DEFAULTS)}) {
            assertTrue(e.getMessage().contains(named), named + " in: " + e.getMessage());
        }
    }
}
