package org.maverick.gateway.api;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.standin.StandInCounters;

import java.net.Socket;
import java.net.URL;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client that leaves mid-stream must free the engine's batch slot at once. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class CancellationTest {

    @TestHTTPResource
    URL base;

    @Test
    void clientDisconnectCancelsTritonCall() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        String body = Sse.chat("Slow answer [standin:itl_ms=100] [standin:length=500]", "\"stream\":true");
        try (Socket socket = Sse.rawPost(base.getPort(), "/v1/chat/completions", body)) {
            int dataLines = Sse.readDataLines(socket, 3);
            assertEquals(3, dataLines, "the stream started");
            assertTrue(counters.inFlight() >= 1);
        }
        // the socket is closed: the stand-in must see the gRPC call cancelled within a second
        await().atMost(Duration.ofSeconds(1)).until(() -> counters.cancelled() > cancelledBefore);
        await().atMost(Duration.ofSeconds(1)).until(() -> counters.inFlight() == 0);
    }

    @Test
    void nonStreamedClientDisconnectAlsoCancels() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        long startedBefore = counters.started();
        String body = Sse.chat("Slow answer [standin:itl_ms=100] [standin:length=500]", "");
        try (Socket socket = Sse.rawPost(base.getPort(), "/v1/chat/completions", body)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> counters.started() > startedBefore);
        }
        await().atMost(Duration.ofSeconds(1)).until(() -> counters.cancelled() > cancelledBefore);
    }
}
