package org.maverick.gateway.backend.triton;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness follows Triton's; requests are refused at once with 503 and Retry-After while it is not ready. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ReadinessTest {

    @TestHTTPResource
    URL base;

    @AfterEach
    void restore() {
        StandInResource.standIn().faults().ready(true).readyDelayMillis(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> health("/q/health/ready") == 200);
    }

    private int health(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "")
                + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void unreadyTritonMakesTheGatewayUnreadyAndRefusesWith503() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> health("/q/health/ready") == 200);
        StandInResource.standIn().faults().ready(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> health("/q/health/ready") == 503);
        assertEquals(200, health("/q/health/live"), "liveness does not depend on Triton");

        HttpResponse<String> r = Sse.post(base.toString().replaceAll("/$", ""), "/v1/chat/completions",
                Sse.chat("hi", "\"stream\":true"));
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("retry-after").isPresent());
        assertEquals("backend_unavailable", Sse.JSON.readTree(r.body()).path("error").path("code").asText());
    }

    /**
     * A Triton busy with many streams may answer its readiness probe after the probe's deadline (3 s
     * here). While its generation responses keep arriving, it is plainly serving: the gateway stays
     * ready and keeps sending it work instead of refusing every request with 503.
     */
    @Test
    void aProbeThatTimesOutWhileStreamsFlowKeepsTheGatewayReady() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> health("/q/health/ready") == 200);
        String baseUrl = base.toString().replaceAll("/$", "");
        var stream = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Sse.stream(baseUrl, "/v1/chat/completions",
                        Sse.chat("[standin:length=600] [standin:itl_ms=10] go", "\"stream\":true,\"max_tokens\":600"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> StandInResource.standIn().counters().inFlight() > 0);
        StandInResource.standIn().faults().readyDelayMillis(4_000);
        // Ready at every look for 4.5 s, past one whole probe deadline, for as long as the stream flows.
        await().pollInterval(Duration.ofMillis(100)).during(Duration.ofMillis(4_500)).atMost(Duration.ofSeconds(10))
                .failFast("unready while the stream flows", () -> !stream.isDone() && health("/q/health/ready") != 200)
                .until(() -> true);
        Sse.Stream s = stream.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, s.status());
        assertTrue(s.events().get(s.events().size() - 1).equals("[DONE]"), "the stream completed: " + s.events());
    }

    /**
     * With nothing flowing, probes that keep timing out are what they look like: the gateway turns
     * unready, after {@code probe-timeouts-before-unready} (3) in a row, not at the first late answer.
     */
    @Test
    void probesThatKeepTimingOutWithNothingFlowingMakeTheGatewayUnready() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> health("/q/health/ready") == 200);
        StandInResource.standIn().faults().readyDelayMillis(4_000);
        // Three timed-out probes of 3 s each (plus the 3.2 s window after another test's last generation
        // response, which counts as busy) before it leaves; generous for a busy machine.
        await().atMost(Duration.ofSeconds(40)).until(() -> health("/q/health/ready") == 503);
    }

    /**
     * An idle Triton that answers one probe late (a busy machine, a pause on either side) stays in the pool:
     * turning every request away for it would fail traffic it can serve. The first timed-out probe ends 3 s
     * after the fault at the earliest and the third 9.6 s after; without the count of timeouts in a row the
     * gateway would turn unready within 6.4 s.
     */
    @Test
    void oneLateProbeOfAnIdleTritonKeepsTheGatewayReady() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> health("/q/health/ready") == 200);
        StandInResource.standIn().faults().readyDelayMillis(4_000);
        await().pollInterval(Duration.ofMillis(200)).during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12))
                .until(() -> health("/q/health/ready") == 200);
    }
}
