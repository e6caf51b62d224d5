package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.standin.StandInCounters;

import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chat frontends in queued mode: the same OpenAI API, through a real Kafka broker and a worker. */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class QueuedModeTest {

    @TestHTTPResource
    URL base;

    @BeforeEach
    void ready() {
        StandInResource.standIn().faults().clear();
        await().atMost(Duration.ofSeconds(20)).until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url() + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    @Test
    void theOpenAiSdkStreamsThroughTheQueue() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(url() + "/v1").apiKey("unused").maxRetries(0).build();
        long finishedBefore = StandInResource.standIn().counters().finished();
        List<String> pieces = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("llama-4-maverick").addUserMessage("Rivers [standin:itl_ms=25] [standin:length=30]")
                        .build())) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(pieces::add)));
        }
        assertTrue(pieces.stream().filter(p -> !p.isEmpty()).count() >= 3, "streamed in several chunks: " + pieces);
        assertTrue(StandInResource.standIn().counters().finished() > finishedBefore, "a worker ran it on Triton");

        ChatCompletion whole = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("llama-4-maverick").addUserMessage("Rivers [standin:itl_ms=25] [standin:length=30]").build());
        assertEquals(String.join("", pieces), whole.choices().get(0).message().content().orElse(""),
                "the same prompt gives the same text streamed or not");
        assertTrue(whole.usage().orElseThrow().completionTokens() > 0);
    }

    @Test
    void eventsCarryIdsAndAResumeUrlThatReplaysTheRestExactly() throws Exception {
        String body = Sse.chat("Resume me [standin:itl_ms=25] [standin:length=24]", "\"stream\":true");
        Sse.Stream whole = Sse.stream(url(), "/v1/chat/completions", body);
        assertEquals(200, whole.status());
        String resumeUrl = whole.header("x-resume-url");
        assertNotNull(resumeUrl, "queued streams say where to resume");
        List<String> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < whole.events().size(); i++) {
            String e = whole.events().get(i);
            if (e.startsWith("{")) {
                String text = Sse.JSON.readTree(e).path("choices").path(0).path("delta").path("content").asText("");
                if (!text.isEmpty()) {
                    assertNotNull(whole.ids().get(i), "every token event has an id");
                    ids.add(whole.ids().get(i));
                    texts.add(text);
                }
            }
        }
        assertTrue(ids.size() >= 4, "ids: " + ids);

        // Resume after the second event: exactly the rest, nothing twice.
        String after = ids.get(1);
        HttpResponse<String> rest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + resumeUrl))
                .header("Last-Event-ID", after).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, rest.statusCode(), rest.body());
        List<String> restIds = new ArrayList<>();
        List<String> restTexts = new ArrayList<>();
        collect(List.of(rest.body().split("\n\n")), restIds, restTexts);
        assertEquals(ids.subList(2, ids.size()), restIds);
        assertEquals(String.join("", texts.subList(2, texts.size())), String.join("", restTexts));
        assertTrue(rest.body().trim().endsWith("data: [DONE]"), rest.body());

        // Without Last-Event-ID: everything, from the start.
        HttpResponse<String> all = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + resumeUrl))
                .build(), HttpResponse.BodyHandlers.ofString());
        List<String> allTexts = new ArrayList<>();
        collect(List.of(all.body().split("\n\n")), new ArrayList<>(), allTexts);
        assertEquals(String.join("", texts), String.join("", allTexts));
    }

    /** Collects the ids and delta texts of raw SSE event blocks ("id: N\ndata: {...}"). */
    private static void collect(List<String> events, List<String> ids, List<String> texts) throws Exception {
        String pendingId = null;
        for (String e : events) {
            for (String line : e.split("\n")) {
                if (line.startsWith("id: ")) {
                    pendingId = line.substring(4).trim();
                } else {
                    String data = line.startsWith("data: ") ? line.substring(6) : line;
                    if (data.startsWith("{") && pendingId != null) {
                        JsonNode chunk = Sse.JSON.readTree(data);
                        String text = chunk.path("choices").path(0).path("delta").path("content").asText("");
                        if (!text.isEmpty()) {
                            ids.add(pendingId);
                            texts.add(text);
                        }
                        pendingId = null;
                    }
                }
            }
        }
    }

    @Test
    void everyKafkaSettingReachesTheKafkaClients() {
        var settings = KafkaQueue.clientSettings();
        assertEquals("use_all_dns_ips", settings.get("client.dns.lookup"));
        assertFalse(settings.containsKey("bootstrap.servers"), "given separately, from kafka.bootstrap.servers");
    }

    @Test
    void aForgedResumeTokenIs404() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                + "/v1/streams/eyJyIjoieCJ9.AAAA")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
    }

    @Test
    void aClientThatLeavesAndDoesNotComeBackIsCancelledAfterTheGracePeriod() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        String body = Sse.chat("Slow [standin:itl_ms=100] [standin:length=300]", "\"stream\":true");
        try (Socket socket = Sse.rawPost(base.getPort(), "/v1/chat/completions", body)) {
            Sse.readDataLines(socket, 3);
        }
        // grace is 1 s in this profile; the worker then cancels the Triton call
        await().atMost(Duration.ofSeconds(6)).until(() -> counters.cancelled() > cancelledBefore);
        await().atMost(Duration.ofSeconds(2)).until(() -> counters.inFlight() == 0);
    }

    @Test
    void anExplicitCancelEndsTheStreamWithACancelledError() throws Exception {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        HttpResponse<java.io.InputStream> r = Sse.open(url(), "/v1/chat/completions",
                Sse.chat("Slow [standin:itl_ms=100] [standin:length=300]", "\"stream\":true"));
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        HttpResponse<String> cancel = Sse.post(url(), "/v1/requests/" + id + "/cancel", "");
        assertEquals(202, cancel.statusCode(), cancel.body());
        String all = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(all.contains("\"code\":\"cancelled\""), all);
        await().atMost(Duration.ofSeconds(3)).until(() -> counters.cancelled() > cancelledBefore);
    }

    @Test
    void perRequestOverrideRunsDirect() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                + "/v1/chat/completions")).header("content-type", "application/json").header("x-maverick-mode", "direct")
                .POST(HttpRequest.BodyPublishers.ofString(Sse.chat("Hi [standin:length=5]", "\"stream\":true")))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("x-resume-url").isEmpty(), "direct streams are not resumable");
        assertFalse(r.body().contains("\nid: "), r.body());

        HttpResponse<String> bad = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                + "/v1/chat/completions")).header("content-type", "application/json").header("x-maverick-mode", "later")
                .POST(HttpRequest.BodyPublishers.ofString(Sse.chat("Hi", ""))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertEquals("x-maverick-mode", Sse.JSON.readTree(bad.body()).path("error").path("param").asText());
    }
}
