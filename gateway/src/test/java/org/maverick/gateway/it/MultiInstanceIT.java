package org.maverick.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.kafka.EmbeddedKafka;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several packaged gateways, one real Kafka broker, one Triton stand-in: a request taken by one
 * instance is run by another's worker; a worker that dies mid-generation loses nothing; a stream cut
 * on one instance is resumed on another with exactly the text of an uncut run.
 */
class MultiInstanceIT {

    static EmbeddedKafka kafka;
    static TritonStandIn standIn;
    /** Takes HTTP requests; runs no worker, so every generation runs elsewhere. */
    static GatewayProcess edge;
    /** Runs a worker. */
    static GatewayProcess workerB;

    static Map<String, String> settings(String instance, boolean worker) {
        Map<String, String> s = new HashMap<>();
        s.put("gateway.triton.endpoint", "127.0.0.1:" + standIn.port());
        s.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        s.put("gateway.mode", "queued");
        s.put("gateway.queue.instance-id", instance);
        s.put("gateway.queue.worker", Boolean.toString(worker));
        s.put("gateway.queue.replication-factor", "1");
        s.put("gateway.queue.resume-secret", "it-shared-secret");
        s.put("gateway.queue.resume-grace", "5s");
        s.put("gateway.queue.worker-session-timeout", "2s");
        s.put("gateway.queue.probe-interval", "500ms");
        s.put("gateway.triton.readiness-interval", "500ms");
        s.put("gateway.auth.enabled", "false");
        return s;
    }

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.builder().port(0).brokerProperty("group.min.session.timeout.ms", "500").build().start();
        standIn = TritonStandIn.builder().host("127.0.0.1").port(0).timing(Timing.fast()).build().start();
        edge = GatewayProcess.start("edge", settings("edge", false));
        workerB = GatewayProcess.start("worker-b", settings("worker-b", true));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{edge, workerB}) {
            if (c != null) {
                c.close();
            }
        }
        if (standIn != null) {
            standIn.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Content deltas and their SSE ids from a raw stream, in order. */
    record Read(List<String> ids, List<String> texts, String last, String resumeUrl) {
        String text() {
            return String.join("", texts);
        }
    }

    private static Read read(HttpResponse<InputStream> response, int maxTextEvents) throws Exception {
        List<String> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        String last = null;
        String id = null;
        BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("data: ")) {
                last = line.substring(6);
                if (last.startsWith("{")) {
                    JsonNode chunk = Sse.JSON.readTree(last);
                    String text = chunk.path("choices").path(0).path("delta").path("content").asText("");
                    if (!text.isEmpty()) {
                        ids.add(id);
                        texts.add(text);
                        if (texts.size() >= maxTextEvents) {
                            break;
                        }
                    }
                }
                id = null;
            }
        }
        return new Read(ids, texts, last, response.headers().firstValue("x-resume-url").orElse(null));
    }

    private static HttpResponse<InputStream> post(GatewayProcess g, String body) throws Exception {
        return Sse.open(g.url(), "/v1/chat/completions", body);
    }

    @Test
    void aRequestTakenByOneInstanceIsRunByAnothersWorkerAndStreamedBack() throws Exception {
        long started = standIn.counters().started();
        Read r = read(post(edge, Sse.chat("Hello [standin:itl_ms=20] [standin:length=20]", "\"stream\":true")),
                Integer.MAX_VALUE);
        assertEquals("[DONE]", r.last());
        assertFalse(r.text().isBlank());
        assertTrue(r.texts().size() >= 3, "streamed in several events: " + r.texts());
        assertEquals(started + 1, standIn.counters().started(), "the edge runs no worker: another instance ran it");
    }

    @Test
    void aStreamCutOnOneInstanceAndResumedOnAnotherYieldsExactlyTheUncutText() throws Exception {
        String body = Sse.chat("Resume across instances [standin:itl_ms=30] [standin:length=30]",
                "\"stream\":true,\"seed\":11");
        Read uncut = read(post(edge, body), Integer.MAX_VALUE);
        assertEquals("[DONE]", uncut.last());

        HttpResponse<InputStream> second = post(edge, body);
        Read head = read(second, 3);
        second.body().close(); // the connection drops after three events
        String lastId = head.ids().get(head.ids().size() - 1);
        HttpResponse<String> rest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(workerB.url() + head.resumeUrl())).header("Last-Event-ID", lastId).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, rest.statusCode(), rest.body());
        StringBuilder restText = new StringBuilder();
        for (String line : rest.body().split("\n")) {
            if (line.startsWith("data: {")) {
                restText.append(Sse.JSON.readTree(line.substring(6)).path("choices").path(0).path("delta")
                        .path("content").asText(""));
            }
        }
        assertTrue(rest.body().trim().endsWith("data: [DONE]"), rest.body());
        assertEquals(uncut.text(), head.text() + restText, "nothing missing, nothing twice");
    }

    /**
     * Client ids (they end with the instance id) of the workers holding request partitions in their group
     * (Worker.GROUP), once the group is stable; none while it rebalances.
     */
    private static List<String> workersInStableGroup(Admin admin) throws Exception {
        String workers = "maverick-workers";
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(workers)).all().get().get(workers);
        if (group.groupState() != GroupState.STABLE) {
            return List.of();
        }
        return group.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty())
                .map(MemberDescription::clientId).toList();
    }

    @Test
    void aWorkerKilledMidGenerationLosesNothing() throws Exception {
        try (GatewayProcess workerC = GatewayProcess.start("worker-c", settings("worker-c", true))) {
            // both workers are in the group before the request goes out
            try (Admin admin = kafka.admin()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> workersInStableGroup(admin), clients ->
                        clients.stream().anyMatch(c -> c.endsWith("-worker-b"))
                                && clients.stream().anyMatch(c -> c.endsWith("-worker-c")));
            }
            long started = standIn.counters().started();
            HttpResponse<InputStream> response = post(edge,
                    Sse.chat("Survive a crash [standin:itl_ms=40] [standin:length=120]", "\"stream\":true"));
            Read head = read(response, 4);
            GatewayProcess running = await("one worker runs the generation").atMost(Duration.ofSeconds(10))
                    .until(() -> workerB.workerInFlight() == 1 ? workerB : workerC.workerInFlight() == 1 ? workerC : null,
                            Objects::nonNull);
            running.kill();
            Read tail = read(response, Integer.MAX_VALUE);
            assertEquals("[DONE]", tail.last(), "the stream completed on the surviving worker");
            assertFalse(tail.text().isEmpty(), "the answer went on after the crash");
            List<Long> ids = new ArrayList<>();
            head.ids().forEach(id -> ids.add(Long.parseLong(id)));
            tail.ids().forEach(id -> ids.add(Long.parseLong(id)));
            for (int i = 1; i < ids.size(); i++) {
                assertTrue(ids.get(i) > ids.get(i - 1), "no event twice: " + ids);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> standIn.counters().started() >= started + 2);
            if (running == workerB) {
                workerB = GatewayProcess.start("worker-b2", settings("worker-b", true));
            }
        }
    }
}
