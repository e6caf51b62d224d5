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
        StandInResource.standIn().faults().ready(true);
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
}
