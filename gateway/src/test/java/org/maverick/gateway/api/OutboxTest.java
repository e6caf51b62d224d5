package org.maverick.gateway.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The realtime socket's outbound bound: pause at the mark, resume on drain, overflow past the limit. */
public class OutboxTest {

    private final List<CompletableFuture<Void>> writes = new ArrayList<>();
    private final List<String> signals = new ArrayList<>();

    private Outbox outbox(int maxPendingBytes) {
        return new Outbox(maxPendingBytes, text -> {
            CompletableFuture<Void> write = new CompletableFuture<>();
            writes.add(write);
            return write;
        }, new Outbox.Listener() {
            @Override
            public void paused() {
                signals.add("paused");
            }

            @Override
            public void resumed() {
                signals.add("resumed");
            }

            @Override
            public void overflow(long pendingBytes) {
                signals.add("overflow " + pendingBytes);
            }
        });
    }

    @Test
    void requestsRunAtOnceWhileTheClientKeepsUp() {
        Outbox box = outbox(1000);
        int[] requested = {0};
        box.send("x".repeat(100));
        box.whenWritable(() -> requested[0]++);
        assertEquals(1, requested[0]);
        assertEquals(100, box.pendingBytes());
        writes.get(0).complete(null);
        assertEquals(0, box.pendingBytes());
        assertTrue(signals.isEmpty());
    }

    @Test
    void generationsPauseAtTheMarkAndResumeWhenWritesComplete() {
        Outbox box = outbox(1000); // pause mark: 500
        int[] requested = {0};
        box.send("x".repeat(600));
        box.whenWritable(() -> requested[0]++);
        box.whenWritable(() -> requested[0]++);
        assertEquals(0, requested[0], "nothing more is asked of the engine while 600 bytes wait");
        assertTrue(box.paused());
        assertEquals(List.of("paused"), signals, "paused is reported once");
        writes.get(0).complete(null);
        assertEquals(2, requested[0]);
        assertFalse(box.paused());
        assertEquals(List.of("paused", "resumed"), signals);
    }

    @Test
    void aFailedWriteAlsoLeavesTheBacklog() {
        Outbox box = outbox(1000);
        box.send("x".repeat(600));
        writes.get(0).completeExceptionally(new IllegalStateException("closed"));
        assertEquals(0, box.pendingBytes());
    }

    @Test
    void aClientThatLetsMoreThanTheLimitPileUpOverflowsOnce() {
        Outbox box = outbox(1000);
        int[] requested = {0};
        box.send("x".repeat(600));
        box.whenWritable(() -> requested[0]++);
        box.send("x".repeat(300)); // answers (pong, errors) are never held back
        assertTrue(signals.stream().noneMatch(s -> s.startsWith("overflow")));
        box.send("x".repeat(200));
        assertEquals(List.of("paused", "overflow 1100"), signals);
        box.send("more");
        writes.forEach(w -> w.complete(null));
        assertEquals(2, writes.size(), "nothing is written after the overflow");
        assertEquals(0, requested[0], "parked generations are dropped, not resumed");
        assertEquals(List.of("paused", "overflow 1100"), signals);
    }

    @Test
    void thePauseMarkIsVertxsWriteQueueSizeForLargeLimits() {
        Outbox box = outbox(1 << 20);
        int[] requested = {0};
        box.send("x".repeat(Outbox.DEFAULT_PAUSE_MARK - 1));
        box.whenWritable(() -> requested[0]++);
        assertEquals(1, requested[0]);
        box.send("x");
        box.whenWritable(() -> requested[0]++);
        assertEquals(1, requested[0]);
    }

    @ParameterizedTest
    @CsvSource({"abc", "é", "日本", "😀 x", "a😀é日"})
    void bytesAreCountedInUtf8(String text) {
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, Outbox.utf8Length(text));
    }
}
