package org.maverick.gateway.queue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Responses API in queued mode: through a real embedded Kafka broker and a worker, to the same answer. */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class ResponsesQueuedTest {

    @TestHTTPResource
    URL base;

    @BeforeEach
    void ready() {
        await().atMost(Duration.ofSeconds(20)).until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url() + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode() == 200);
    }

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    @Test
    void streamsAndAnswersThroughTheQueue() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(url() + "/v1").apiKey("unused").maxRetries(0)
                .responseValidation(true).build();
        long finishedBefore = StandInResource.standIn().counters().finished();
        ResponseCreateParams params = ResponseCreateParams.builder().model("llama-4-maverick")
                .input("Rivers [standin:itl_ms=20] [standin:length=30]").build();
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (var stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        assertTrue(StandInResource.standIn().counters().finished() > finishedBefore, "a worker ran it on Triton");
        String streamed = events.stream().flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta())
                .collect(Collectors.joining());
        assertTrue(events.stream().filter(e -> e.outputTextDelta().isPresent()).count() >= 3);
        assertEquals(ResponseStatus.COMPLETED, events.get(events.size() - 1).completed().orElseThrow().response()
                .status().orElseThrow());

        Response whole = client.responses().create(params);
        assertEquals(ResponseStatus.COMPLETED, whole.status().orElseThrow());
        assertEquals(streamed, whole.output().get(0).message().orElseThrow().content().get(0).outputText()
                .orElseThrow().text(), "the same prompt gives the same text streamed or not");
        assertTrue(whole.usage().orElseThrow().outputTokens() > 0);
    }
}
