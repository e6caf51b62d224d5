package org.maverick.gateway.responses;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseItem;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseRetrieveParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.inputitems.InputItemListParams;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stored responses, conversations and background runs with the official OpenAI Java SDK (response validation on),
 * against a real Kafka broker and the Triton stand-in: the state lives in Kafka, materialised by Kafka Streams.
 */
@QuarkusTest
@TestProfile(StoredResponsesTest.Tenants.class)
@QuarkusTestResource(StandInResource.class)
class StoredResponsesTest {

    static final String MODEL = "llama-4-maverick";
    /** sha256("key-a") and sha256("key-b"): tenants alpha and beta. */
    static final String KEY_A = "key-a";
    static final String KEY_B = "key-b";

    /** Queued mode on the embedded broker, with two tenants. */
    public static class Tenants extends QueuedProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>(super.getConfigOverrides());
            c.put("gateway.auth.enabled", "true");
            c.put("gateway.auth.tenants.alpha.key-sha256",
                    "f10f781241e2246678b6b45c857069208152a53863e47fac33f607ab405006f4");
            c.put("gateway.auth.tenants.beta.key-sha256",
                    "a30534a53b23547377ddccbd1ac85a8a84c13db43493c16e55a6abc7b0eba634");
            return c;
        }
    }

    @TestHTTPResource("/v1")
    URL v1;

    @jakarta.inject.Inject
    io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter spans;

    OpenAIClient alpha;
    OpenAIClient beta;

    @BeforeEach
    void clients() {
        alpha = client(KEY_A);
        beta = client(KEY_B);
    }

    OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey(key).maxRetries(0)
                .responseValidation(true).timeout(Duration.ofSeconds(60)).build();
    }

    static String text(Response r) {
        return r.output().stream().flatMap(i -> i.message().stream()).flatMap(m -> m.content().stream())
                .flatMap(c -> c.outputText().stream()).map(ResponseOutputText::text).collect(Collectors.joining());
    }

    static ResponseCreateParams.Builder params(String input) {
        return ResponseCreateParams.builder().model(MODEL).input(input);
    }

    @Test
    void storesAndReadsBackAResponseRightAfterItWasMade() {
        Response made = alpha.responses().create(params("Hello [standin:length=5]").build());
        assertEquals(ResponseStatus.COMPLETED, made.status().orElseThrow());
        assertEquals(JsonValue.from(true), made._additionalProperties().get("store"), "store echoes true");
        Response read = alpha.responses().retrieve(made.id());
        assertEquals(made.id(), read.id());
        assertEquals(ResponseStatus.COMPLETED, read.status().orElseThrow());
        assertEquals(text(made), text(read));
        assertEquals(made.output().get(0).message().orElseThrow().id(), read.output().get(0).message().orElseThrow().id());
        assertEquals(made.usage().orElseThrow().outputTokens(), read.usage().orElseThrow().outputTokens());
    }

    @Test
    void anAnswerReadBackRightAfterItCameIsReadAsItCameNeverAsStillInProgress() {
        for (int i = 0; i < 20; i++) {
            Response made = alpha.responses().create(params("Read back " + i + " [standin:length=3]").build());
            Response read = alpha.responses().retrieve(made.id());
            assertEquals(ResponseStatus.COMPLETED, read.status().orElseThrow(), "read " + i);
            assertEquals(text(made), text(read));
        }
    }

    @Test
    void aStoredAnswerThatFailsIsReadBackFailedNotStillInProgress() {
        OpenAIServiceException e = assertThrows(OpenAIServiceException.class, () -> alpha.responses().create(
                params("Fail me [standin:error_at=2] [standin:length=10]").build()));
        String id = e.headers().values("x-request-id").get(0);
        Response read = alpha.responses().retrieve(id);
        assertEquals(ResponseStatus.FAILED, read.status().orElseThrow());
        assertTrue(read.error().isPresent(), "the error is stored with it");
    }

    @Test
    void aStreamedResponseIsStoredWhenItEnds() {
        String id;
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ResponseStreamEvent> s = alpha.responses().createStreaming(
                params("Stream me [standin:length=6]").build())) {
            List<ResponseStreamEvent> events = s.stream().toList();
            id = events.get(0).asCreated().response().id();
            events.forEach(e -> e.outputTextDelta().ifPresent(d -> streamed.append(d.delta())));
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                alpha.responses().retrieve(id).status().orElseThrow().equals(ResponseStatus.COMPLETED));
        assertEquals(streamed.toString(), text(alpha.responses().retrieve(id)));
    }

    @Test
    void aStoredStreamWhoseClientLeavesIsStoredCancelled() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest post = HttpRequest.newBuilder(URI.create(v1 + "/responses"))
                .header("authorization", "Bearer " + KEY_A).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\",\"stream\":true,"
                        + "\"input\":\"Leave [standin:length=2000] [standin:itl_ms=20]\"}")).build();
        HttpResponse<java.io.InputStream> r = http.send(post, HttpResponse.BodyHandlers.ofInputStream());
        String id;
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body()))) {
            String line;
            while (!(line = lines.readLine()).startsWith("data: ")) {
                // up to response.created
            }
            id = Sse.JSON.readTree(line.substring(6)).path("response").path("id").asText();
            assertEquals(ResponseStatus.IN_PROGRESS, alpha.responses().retrieve(id).status().orElseThrow(),
                    "readable as soon as its id is known");
        }
        await().atMost(Duration.ofSeconds(15)).until(() ->
                alpha.responses().retrieve(id).status().orElseThrow().equals(ResponseStatus.CANCELLED));
    }

    @Test
    void listsTheInputItemsNewestFirstAndPagesThem() {
        Response made = alpha.responses().create(ResponseCreateParams.builder().model(MODEL)
                .putAdditionalBodyProperty("input", JsonValue.from(List.of(
                        Map.of("role", "user", "content", "first [standin:length=2]"),
                        Map.of("role", "assistant", "content", "an answer"),
                        Map.of("role", "user", "content", "second")))).build());
        List<ResponseItem> items = alpha.responses().inputItems().list(made.id()).data();
        assertEquals(3, items.size());
        assertEquals("second", items.get(0).asResponseInputMessageItem().content().get(0).asInputText().text());
        assertEquals("an answer", items.get(1).asResponseOutputMessage().content().get(0).asOutputText().text());
        List<ResponseItem> ascending = alpha.responses().inputItems().list(made.id(), InputItemListParams.builder()
                .order(InputItemListParams.Order.ASC).limit(2).build()).data();
        assertEquals(2, ascending.size());
        assertEquals("first [standin:length=2]",
                ascending.get(0).asResponseInputMessageItem().content().get(0).asInputText().text());
        // the SDK's pager follows `after` through every page
        List<ResponseItem> all = new ArrayList<>();
        alpha.responses().inputItems().list(made.id(), InputItemListParams.builder().limit(1).build())
                .autoPager().forEach(all::add);
        assertEquals(3, all.size());
    }

    @Test
    void deletesAResponseAndThenKnowsItNoMore() {
        Response made = alpha.responses().create(params("Delete me [standin:length=2]").build());
        alpha.responses().delete(made.id());
        assertThrows(NotFoundException.class, () -> alpha.responses().retrieve(made.id()));
        assertThrows(NotFoundException.class, () -> alpha.responses().delete(made.id()));
        assertThrows(NotFoundException.class, () -> alpha.responses().retrieve("resp_never_made"));
    }

    @Test
    void aThreeTurnChainPromptsExactlyTheWholeConversationOnce() {
        Response first = alpha.responses().create(params("My name is Ada. [standin:length=3]")
                .instructions("Be terse.").build());
        Response second = alpha.responses().create(params("What is my name? [standin:length=4]")
                .previousResponseId(first.id()).build());
        Response third = alpha.responses().create(params("And again? [standin:length=2]")
                .previousResponseId(second.id()).build());
        assertEquals(first.id(), second.previousResponseId().orElseThrow());
        String chained = lastPrompt();
        // the same conversation sent whole, without storing: the prompt must be the same, byte for byte
        alpha.responses().create(ResponseCreateParams.builder().model(MODEL).store(false)
                .putAdditionalBodyProperty("input", JsonValue.from(List.of(
                        Map.of("role", "user", "content", "My name is Ada. [standin:length=3]"),
                        Map.of("role", "assistant", "content", text(first)),
                        Map.of("role", "user", "content", "What is my name? [standin:length=4]"),
                        Map.of("role", "assistant", "content", text(second)),
                        Map.of("role", "user", "content", "And again? [standin:length=2]")))).build());
        assertEquals(lastPrompt(), chained);
        assertEquals(1, count(chained, "My name is Ada."));
        assertFalse(chained.contains("Be terse."), "instructions are not carried forward");
        assertTrue(chained.indexOf(text(first)) < chained.indexOf("What is my name?"));
        assertEquals(ResponseStatus.COMPLETED, third.status().orElseThrow());
    }

    @Test
    void anUnknownOrForeignPreviousResponseIsA400() {
        Response mine = alpha.responses().create(params("Mine [standin:length=2]").build());
        for (var attempt : List.of(
                (Runnable) () -> alpha.responses().create(params("x").previousResponseId("resp_unknown").build()),
                () -> beta.responses().create(params("x").previousResponseId(mine.id()).build()))) {
            BadRequestException e = assertThrows(BadRequestException.class, attempt::run);
            assertEquals("previous_response_not_found", e.code().orElseThrow());
            assertEquals("previous_response_id", e.param().orElseThrow());
        }
    }

    @Test
    void anotherTenantSeesNothingOfIt() {
        Response mine = alpha.responses().create(params("Private [standin:length=2]").build());
        assertThrows(NotFoundException.class, () -> beta.responses().retrieve(mine.id()));
        assertThrows(NotFoundException.class, () -> beta.responses().inputItems().list(mine.id()));
        assertThrows(NotFoundException.class, () -> beta.responses().delete(mine.id()));
        assertThrows(NotFoundException.class, () -> beta.responses().cancel(mine.id()));
        assertEquals(ResponseStatus.COMPLETED, alpha.responses().retrieve(mine.id()).status().orElseThrow());
    }

    @Test
    void aBackgroundResponseIsQueuedAtOnceAndItsStreamIsPickedUpWhereTheClientLeftIt() {
        Response queued = alpha.responses().create(params("Background [standin:length=30] [standin:itl_ms=10]")
                .background(true).build());
        assertEquals(ResponseStatus.QUEUED, queued.status().orElseThrow());
        assertTrue(queued.background().orElse(false));
        List<ResponseStreamEvent> whole = replay(queued.id(), null);
        assertEquals("response.created", type(whole.get(0)));
        assertEquals("response.queued", type(whole.get(1)));
        assertEquals("response.in_progress", type(whole.get(2)));
        assertEquals("response.completed", type(whole.get(whole.size() - 1)));
        for (int i = 0; i < whole.size(); i++) {
            assertEquals(i, sequence(whole.get(i)), "sequence numbers rise by one from 0");
        }
        List<ResponseStreamEvent> rest = replay(queued.id(), 7L);
        assertEquals(8, sequence(rest.get(0)), "the events after starting_after");
        assertEquals(whole.subList(8, whole.size()).stream().map(StoredResponsesTest::type).toList(),
                rest.stream().map(StoredResponsesTest::type).toList());
        String text = deltas(whole);
        assertEquals(text, deltas(whole.subList(0, 8)) + deltas(rest));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                alpha.responses().retrieve(queued.id()).status().orElseThrow().equals(ResponseStatus.COMPLETED));
        Response stored = alpha.responses().retrieve(queued.id());
        assertEquals(text, text(stored));
        assertEquals(whole.get(whole.size() - 1).asCompleted().response().output().get(0).message().orElseThrow().id(),
                stored.output().get(0).message().orElseThrow().id(), "the stream and the store name the same items");
    }

    @Test
    void aBackgroundRunBelongsToTheTraceOfTheRequestThatStartedIt() {
        Response queued = alpha.responses().create(params("Traced [standin:length=3]").background(true).build());
        await().atMost(Duration.ofSeconds(15)).until(() -> spans.getFinishedSpanItems().stream().anyMatch(x ->
                x.getName().equals("maverick.generation.requests process")
                        && queued.id().equals(x.getAttributes().get(org.maverick.gateway.telemetry.Telemetry.REQUEST_ID))));
        var process = spans.getFinishedSpanItems().stream().filter(x ->
                x.getName().equals("maverick.generation.requests process")
                        && queued.id().equals(x.getAttributes().get(org.maverick.gateway.telemetry.Telemetry.REQUEST_ID)))
                .findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream().anyMatch(x ->
                x.getKind() == io.opentelemetry.api.trace.SpanKind.SERVER && x.getTraceId().equals(process.getTraceId())));
    }

    @Test
    void aBackgroundStreamWhoseClientLeavesRunsOn() {
        String id;
        try (StreamResponse<ResponseStreamEvent> s = alpha.responses().createStreaming(
                params("Leave early [standin:length=20] [standin:itl_ms=20]").background(true).build())) {
            ResponseStreamEvent created = s.stream().findFirst().orElseThrow();
            id = created.asCreated().response().id();
            assertEquals(ResponseStatus.QUEUED, created.asCreated().response().status().orElseThrow());
        }
        await().atMost(Duration.ofSeconds(20)).until(() ->
                alpha.responses().retrieve(id).status().orElseThrow().equals(ResponseStatus.COMPLETED));
        assertFalse(text(alpha.responses().retrieve(id)).isEmpty());
    }

    @Test
    void cancelStopsABackgroundRunAtTheEngine() {
        long before = StandInResource.standIn().counters().cancelled();
        Response queued = alpha.responses().create(params("Long [standin:length=5000] [standin:itl_ms=20]")
                .background(true).build());
        await().atMost(Duration.ofSeconds(10)).until(() ->
                alpha.responses().retrieve(queued.id()).status().orElseThrow().equals(ResponseStatus.IN_PROGRESS));
        Response cancelled = alpha.responses().cancel(queued.id());
        assertEquals(ResponseStatus.CANCELLED, cancelled.status().orElseThrow());
        await().atMost(Duration.ofSeconds(10)).until(() -> StandInResource.standIn().counters().cancelled() > before);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                alpha.responses().retrieve(queued.id()).status().orElseThrow().equals(ResponseStatus.CANCELLED));
        assertNotEquals(ResponseStatus.COMPLETED, alpha.responses().cancel(queued.id()).status().orElseThrow());
        Response foreground = alpha.responses().create(params("Not background [standin:length=2]").build());
        assertThrows(BadRequestException.class, () -> alpha.responses().cancel(foreground.id()));
    }

    @Test
    void badParametersOfTheNewEndpointsAreNamed() throws Exception {
        Response made = alpha.responses().create(params("Params [standin:length=2]").build());
        Map<String, String> bad = Map.of(
                "/responses/" + made.id() + "?stream=maybe", "stream",
                "/responses/" + made.id() + "?stream=true", "stream", // not a background response
                "/responses/" + made.id() + "?starting_after=-3", "starting_after",
                "/responses/" + made.id() + "/input_items?limit=0", "limit",
                "/responses/" + made.id() + "/input_items?order=sideways", "order",
                "/responses/" + made.id() + "/input_items?after=msg_nope", "after");
        HttpClient http = HttpClient.newHttpClient();
        for (var e : bad.entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(v1 + e.getKey()))
                    .header("authorization", "Bearer " + KEY_A).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), e.getKey() + ": " + r.body());
            assertEquals(e.getValue(), Sse.JSON.readTree(r.body()).path("error").path("param").asText(), r.body());
        }
        BadRequestException e = assertThrows(BadRequestException.class, () -> alpha.responses().create(
                params("x").background(true).store(false).build()));
        assertEquals("store", e.param().orElseThrow());
    }

    private List<ResponseStreamEvent> replay(String id, Long startingAfter) {
        ResponseRetrieveParams.Builder p = ResponseRetrieveParams.builder().responseId(id);
        if (startingAfter != null) {
            p.startingAfter(startingAfter);
        }
        try (StreamResponse<ResponseStreamEvent> s = alpha.responses().retrieveStreaming(p.build())) {
            return s.stream().toList();
        }
    }

    private static String deltas(List<ResponseStreamEvent> events) {
        return events.stream().flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta())
                .collect(Collectors.joining());
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(ResponseStreamEvent e) {
        try {
            return Sse.JSON.readTree(com.openai.core.ObjectMappers.jsonMapper().writeValueAsString(e));
        } catch (Exception x) {
            throw new AssertionError(x);
        }
    }

    private static String type(ResponseStreamEvent e) {
        return tree(e).path("type").asText();
    }

    private static long sequence(ResponseStreamEvent e) {
        return tree(e).path("sequence_number").asLong(-1);
    }

    private static String lastPrompt() {
        List<String> prompts = StandInResource.standIn().counters().prompts();
        return prompts.get(prompts.size() - 1);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
