package org.maverick.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseRetrieveParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Background responses across packaged gateways (separate processes), one real Kafka broker and the Triton
 * stand-in, through the official OpenAI Java SDK: a worker killed mid-run loses nothing (the stream is picked up on
 * another instance after the sequence number the client had, and the text is that of an uncut run); a response
 * created on one instance is at once readable on another (never a 404, never older than the answer the client
 * got); the instance that accepted a run dying does not stop it; a cancel sent while a killed worker's run waits
 * for its takeover ends it there; an instance restarted on its state dir answers reads at once.
 *
 * <p>The edge instance runs no worker, so a run's worker is always another process, and the edge can be asked
 * about a run whatever is killed. Timings are printed as {@code MEASURED} lines. The stand-in continues its own
 * answer from a prompt that holds its start (as a greedy model does), so the text of a run continued by another
 * worker can be compared with that of an uncut run.
 */
class BackgroundResponsesIT {

    private static final String MODEL = "llama-4-maverick";
    private static final long SESSION_TIMEOUT_MS = 3000;

    static EmbeddedKafka kafka;
    static TritonStandIn standIn;
    /** Takes requests, runs no worker; never killed. */
    static GatewayProcess edge;
    /** Runs a worker. */
    static GatewayProcess workerB;

    static Map<String, String> settings(String instance, boolean worker) throws Exception {
        Path state = Files.createDirectories(Path.of("target", "it-state")).toAbsolutePath();
        Map<String, String> s = new HashMap<>();
        s.put("gateway.triton.endpoint", "127.0.0.1:" + standIn.port());
        s.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        s.put("gateway.mode", "queued");
        s.put("gateway.queue.instance-id", instance);
        s.put("gateway.queue.worker", Boolean.toString(worker));
        s.put("gateway.queue.replication-factor", "1");
        s.put("gateway.queue.resume-secret", "it-shared-secret");
        s.put("gateway.queue.worker-session-timeout", SESSION_TIMEOUT_MS + "ms");
        s.put("gateway.queue.probe-interval", "500ms");
        s.put("gateway.triton.readiness-interval", "500ms");
        s.put("gateway.responses.state-dir", Files.createTempDirectory(state, instance + "-").toString());
        s.put("gateway.auth.enabled", "false");
        return s;
    }

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.builder().port(0).brokerProperty("group.min.session.timeout.ms", "500").build().start();
        standIn = TritonStandIn.builder().host("127.0.0.1").port(0).timing(Timing.fast()).build().start();
        edge = GatewayProcess.start("br-edge", settings("br-edge", false));
        workerB = GatewayProcess.start("br-worker-b", settings("br-worker-b", true));
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

    static OpenAIClient client(GatewayProcess g) {
        return OpenAIOkHttpClient.builder().baseUrl(g.url() + "/v1").apiKey("unused").maxRetries(0)
                .responseValidation(true).timeout(Duration.ofSeconds(120)).build();
    }

    static ResponseCreateParams.Builder params(String input) {
        return ResponseCreateParams.builder().model(MODEL).input(input);
    }

    static String text(Response r) {
        return r.output().stream().flatMap(i -> i.message().stream()).flatMap(m -> m.content().stream())
                .flatMap(c -> c.outputText().stream()).map(ResponseOutputText::text).collect(Collectors.joining());
    }

    private static JsonNode tree(ResponseStreamEvent e) {
        try {
            return Sse.JSON.readTree(ObjectMappers.jsonMapper().writeValueAsString(e));
        } catch (Exception x) {
            throw new AssertionError(x);
        }
    }

    static String type(ResponseStreamEvent e) {
        return tree(e).path("type").asText();
    }

    static long sequence(ResponseStreamEvent e) {
        return tree(e).path("sequence_number").asLong(-1);
    }

    static String deltas(List<ResponseStreamEvent> events) {
        return events.stream().flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta())
                .collect(Collectors.joining());
    }

    /** Waits for the stored response to reach {@code status} on {@code g}; the response then. */
    static Response awaitStatus(OpenAIClient c, String id, ResponseStatus status, Duration max) {
        await().atMost(max).pollInterval(Duration.ofMillis(100))
                .until(() -> c.responses().retrieve(id).status().orElseThrow().equals(status));
        return c.responses().retrieve(id);
    }

    /** An event read from a stream and when it came (System.nanoTime()). */
    record Timed(ResponseStreamEvent event, long at) {
    }

    /** Reads a stream to its end, noting when each event came. */
    static List<Timed> readAll(StreamResponse<ResponseStreamEvent> s) {
        List<Timed> out = new ArrayList<>();
        Iterator<ResponseStreamEvent> it = s.stream().iterator();
        while (it.hasNext()) {
            out.add(new Timed(it.next(), System.nanoTime()));
        }
        return out;
    }

    static List<ResponseStreamEvent> events(List<Timed> timed) {
        return timed.stream().map(Timed::event).toList();
    }

    static void assertNumberedFrom(long first, List<ResponseStreamEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            assertEquals(first + i, sequence(events.get(i)), "sequence numbers rise by one from " + first + ": "
                    + events.stream().map(BackgroundResponsesIT::sequence).toList());
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** Client ids of the members of the workers' group holding partitions, once it is stable; none meanwhile. */
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
    void aResponseCreatedOnOneInstanceIsReadableAtOnceOnAnother() {
        OpenAIClient onEdge = client(edge);
        OpenAIClient onB = client(workerB);
        List<Long> waits = new ArrayList<>();
        List<String> background = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Response made = onEdge.responses().create(params("Read me back " + i + " [standin:length=3]")
                    .background(true).build());
            long t0 = System.nanoTime();
            Response read = onB.responses().retrieve(made.id()); // a 404 throws
            waits.add(System.nanoTime() - t0);
            assertEquals(made.id(), read.id());
            assertTrue(read.background().orElse(false));
            background.add(made.id());
        }
        for (int i = 0; i < 20; i++) {
            Response made = onEdge.responses().create(params("Stored " + i + " [standin:length=2]").build());
            long t0 = System.nanoTime();
            Response read = onB.responses().retrieve(made.id());
            waits.add(System.nanoTime() - t0);
            assertEquals(made.id(), read.id());
            assertEquals(ResponseStatus.COMPLETED, read.status().orElseThrow());
            assertEquals(text(made), text(read));
        }
        // and the other way round: what B accepts, the edge reads
        for (int i = 0; i < 10; i++) {
            Response made = onB.responses().create(params("Back the other way " + i + " [standin:length=2]")
                    .background(true).build());
            long t0 = System.nanoTime();
            assertEquals(made.id(), onEdge.responses().retrieve(made.id()).id());
            waits.add(System.nanoTime() - t0);
        }
        for (String id : background) {
            assertEquals(ResponseStatus.COMPLETED, awaitStatus(onEdge, id, ResponseStatus.COMPLETED,
                    Duration.ofSeconds(30)).status().orElseThrow());
        }
        assertThrows(NotFoundException.class, () -> onB.responses().retrieve("resp_never_made"));
        List<Long> sorted = new ArrayList<>(waits);
        Collections.sort(sorted);
        System.out.printf("MEASURED read-your-writes: %d creates read at once on the other instance, none a 404; "
                        + "retrieve took median %d ms, max %d ms%n", waits.size(), ms(sorted.get(sorted.size() / 2)),
                ms(sorted.get(sorted.size() - 1)));
    }

    @Test
    void aWorkerKilledMidRunLosesNothingAndTheStreamIsPickedUpOnAnotherInstance() throws Exception {
        String prompt = "Tell a long story [standin:length=400] [standin:itl_ms=20]";
        OpenAIClient onEdge = client(edge);
        // a second worker, started after responses were stored: the run lands on B or C, the other takes it over
        GatewayProcess workerC = GatewayProcess.start("br-worker-c", settings("br-worker-c", true));
        boolean keepC = false;
        try {
            OpenAIClient onC = client(workerC);
            for (String when : List.of("first read after it was ready", "second read")) {
                long t0 = System.nanoTime();
                assertThrows(NotFoundException.class, () -> onC.responses().retrieve("resp_never_made"));
                System.out.printf("MEASURED an unknown id on an instance started after responses were stored, %s: "
                        + "404 in %d ms%n", when, ms(System.nanoTime() - t0));
            }
            // this class's worker (B, or the survivor that replaced it in a test that ran before) and C
            String current = "-" + workerB.name();
            try (Admin admin = kafka.admin()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> workersInStableGroup(admin), clients ->
                        clients.size() == 2 && clients.stream().anyMatch(c -> c.endsWith(current))
                                && clients.stream().anyMatch(c -> c.endsWith("-br-worker-c")));
            }

            // the uncut run of the same prompt
            long uncutStart = System.nanoTime();
            Response uncutQueued = onEdge.responses().create(params(prompt).background(true).build());
            Response uncut = awaitStatus(onEdge, uncutQueued.id(), ResponseStatus.COMPLETED, Duration.ofSeconds(90));
            String expected = text(uncut);
            System.out.printf("MEASURED uncut background run of 400 tokens: %d ms from create to completed%n",
                    ms(System.nanoTime() - uncutStart));
            assertFalse(expected.isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    workerB.workerInFlight() == 0 && workerC.workerInFlight() == 0);

            // the run that is cut: its first events read on the edge, then its worker killed
            Response queued = onEdge.responses().create(params(prompt).background(true).build());
            assertEquals(ResponseStatus.QUEUED, queued.status().orElseThrow());
            String id = queued.id();
            List<ResponseStreamEvent> head = new ArrayList<>();
            int headDeltas = 0;
            try (StreamResponse<ResponseStreamEvent> s = onEdge.responses().retrieveStreaming(
                    ResponseRetrieveParams.builder().responseId(id).build())) {
                Iterator<ResponseStreamEvent> it = s.stream().iterator();
                while (headDeltas < 15 && it.hasNext()) {
                    ResponseStreamEvent e = it.next();
                    head.add(e);
                    if (e.outputTextDelta().isPresent()) {
                        headDeltas++;
                    }
                }
            } // the client goes away after event N
            assertEquals(15, headDeltas, "the run streamed its beginning: " + head.stream().map(BackgroundResponsesIT::type).toList());
            assertNumberedFrom(0, head);
            long n = sequence(head.get(head.size() - 1));
            GatewayProcess running = await("one worker runs the response").atMost(Duration.ofSeconds(10))
                    .until(() -> workerB.workerInFlight() == 1 ? workerB : workerC.workerInFlight() == 1 ? workerC : null,
                            Objects::nonNull);
            GatewayProcess survivor = running == workerB ? workerC : workerB;
            // another client follows the run live on the edge, across the crash, without reconnecting
            java.util.concurrent.atomic.AtomicInteger followedSoFar = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<List<ResponseStreamEvent>> follower = CompletableFuture.supplyAsync(() -> {
                List<ResponseStreamEvent> out = new ArrayList<>();
                try (StreamResponse<ResponseStreamEvent> s = onEdge.responses().retrieveStreaming(
                        ResponseRetrieveParams.builder().responseId(id).build())) {
                    s.stream().forEach(e -> {
                        out.add(e);
                        followedSoFar.incrementAndGet();
                    });
                }
                return out;
            });
            // the follower is live (past what the first client had read) and the run still going when the worker dies
            await().atMost(Duration.ofSeconds(10)).until(() -> followedSoFar.get() > n + 1);
            assertEquals(1, running.workerInFlight(), "still running");
            long startedBefore = standIn.counters().started();
            long finishedBefore = standIn.counters().finished();
            running.kill();
            long killed = System.nanoTime();
            assertEquals(finishedBefore, standIn.counters().finished(), "the run had not ended when its worker died");
            CompletableFuture<Long> takeover = CompletableFuture.supplyAsync(() -> {
                long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < until) {
                    if (standIn.counters().started() > startedBefore) {
                        return System.nanoTime();
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return -1L;
                    }
                }
                return -1L;
            });

            // picked up on the surviving worker's instance, after the last event the client had
            List<Timed> tail;
            long opened = System.nanoTime();
            try (StreamResponse<ResponseStreamEvent> s = client(survivor).responses().retrieveStreaming(
                    ResponseRetrieveParams.builder().responseId(id).startingAfter(n).build())) {
                tail = readAll(s);
            }
            List<ResponseStreamEvent> rest = events(tail);
            assertFalse(rest.isEmpty());
            assertNumberedFrom(n + 1, rest);
            assertEquals("response.completed", type(rest.get(rest.size() - 1)), "the picked-up stream ends completed");
            assertEquals(expected, deltas(head) + deltas(rest), "nothing missing, nothing twice, across the cut");
            assertEquals(expected, text(rest.get(rest.size() - 1).asCompleted().response()));

            // the response stored at the end, read on the edge and on the survivor
            Response stored = awaitStatus(onEdge, id, ResponseStatus.COMPLETED, Duration.ofSeconds(30));
            long storedAt = System.nanoTime();
            long streamEnded = tail.get(tail.size() - 1).at();
            assertEquals(expected, text(stored));
            List<ResponseStreamEvent> followed = follower.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertNumberedFrom(0, followed);
            assertEquals(expected, deltas(followed), "the live follower on the edge saw the uncut text too");
            assertEquals(rest.stream().map(BackgroundResponsesIT::type).toList(),
                    followed.subList((int) n + 1, followed.size()).stream().map(BackgroundResponsesIT::type).toList());
            System.out.printf("MEASURED usage: uncut %d output tokens, cut and continued %d%n",
                    uncut.usage().orElseThrow().outputTokens(), stored.usage().orElseThrow().outputTokens());
            assertTrue(Math.abs(uncut.usage().orElseThrow().outputTokens() - stored.usage().orElseThrow().outputTokens())
                    <= 2, "usage counts both attempts' tokens (the stand-in reports no counts: estimated per attempt)");
            Response storedOnSurvivor = client(survivor).responses().retrieve(id);
            assertEquals(ResponseStatus.COMPLETED, storedOnSurvivor.status().orElseThrow());
            assertEquals(expected, text(storedOnSurvivor));
            assertEquals(startedBefore + 1, standIn.counters().started(), "one continuation at the engine");

            // when the new attempt's text began to arrive: the longest pause between deltas ends there
            int resumedAt = -1;
            long longestGap = 0;
            for (int i = 1; i < tail.size(); i++) {
                if (tail.get(i).event().outputTextDelta().isPresent()) {
                    int prev = i - 1;
                    while (prev >= 0 && tail.get(prev).event().outputTextDelta().isEmpty()) {
                        prev--;
                    }
                    long gap = prev < 0 ? tail.get(i).at() - opened : tail.get(i).at() - tail.get(prev).at();
                    if (gap > longestGap) {
                        longestGap = gap;
                        resumedAt = i;
                    }
                }
            }
            long takeoverAt = takeover.get();
            System.out.printf("MEASURED worker killed mid-run (session timeout %d ms): event N=%d was the client's last; "
                            + "takeover at the engine %d ms after the SIGKILL; the picked-up stream's first event %d ms "
                            + "after it was opened; new text on it %d ms after the SIGKILL (longest pause between deltas "
                            + "%d ms); stored completed %d ms after the SIGKILL (%d ms after the stream's last event); "
                            + "%d events after N%n",
                    SESSION_TIMEOUT_MS, n, takeoverAt < 0 ? -1 : ms(takeoverAt - killed), ms(tail.get(0).at() - opened),
                    resumedAt < 0 ? -1 : ms(tail.get(resumedAt).at() - killed), ms(longestGap), ms(storedAt - killed),
                    ms(storedAt - streamEnded),
                    rest.size());
            if (running == workerB) {
                workerB = workerC; // the survivor is this class's worker from now on
                keepC = true;
            }
        } finally {
            if (!keepC) {
                workerC.close();
            }
        }
    }

    @Test
    void aRunWhoseAcceptingInstanceIsKilledCompletesAndIsReadableElsewhere() throws Exception {
        String prompt = "Outlive the edge [standin:length=150] [standin:itl_ms=20]";
        OpenAIClient onEdge = client(edge);
        String id;
        long killed;
        try (GatewayProcess accepting = GatewayProcess.start("br-accepting", settings("br-accepting", false))) {
            Response queued = client(accepting).responses().create(params(prompt).background(true).build());
            assertEquals(ResponseStatus.QUEUED, queued.status().orElseThrow());
            id = queued.id();
            accepting.kill(); // at once: the run is queued or has just begun on the worker
            killed = System.nanoTime();
        }
        List<ResponseStreamEvent> whole;
        try (StreamResponse<ResponseStreamEvent> s = onEdge.responses().retrieveStreaming(
                ResponseRetrieveParams.builder().responseId(id).build())) {
            whole = events(readAll(s));
        }
        long streamEnded = System.nanoTime();
        assertNumberedFrom(0, whole);
        assertEquals("response.created", type(whole.get(0)));
        assertEquals("response.completed", type(whole.get(whole.size() - 1)));
        Response stored = awaitStatus(onEdge, id, ResponseStatus.COMPLETED, Duration.ofSeconds(30));
        long storedAt = System.nanoTime();
        assertEquals(deltas(whole), text(stored));
        assertEquals(whole.get(whole.size() - 1).asCompleted().response().usage().orElseThrow().outputTokens(),
                stored.usage().orElseThrow().outputTokens());
        Response onWorker = client(workerB).responses().retrieve(id);
        assertEquals(ResponseStatus.COMPLETED, onWorker.status().orElseThrow());
        assertNotNull(onWorker.usage().orElse(null));
        System.out.printf("MEASURED accepting instance killed: the run's stream ended completed %d ms after the SIGKILL; "
                + "stored completed (read on another instance) %d ms after it%n", ms(streamEnded - killed),
                ms(storedAt - killed));
    }

    @Test
    void anInstanceRestartedOnItsStateDirAnswersReadsAtOnce() throws Exception {
        OpenAIClient onEdge = client(edge);
        Map<String, String> settings = settings("br-restarted", false);
        Response before = onEdge.responses().create(params("Kept on disk [standin:length=2]").build());
        try (GatewayProcess first = GatewayProcess.start("br-restarted-1", settings)) {
            assertEquals(before.id(), client(first).responses().retrieve(before.id()).id());
            assertNotNull(first.terminate(Duration.ofSeconds(30)), "stopped gracefully");
        }
        // records it has not seen yet, on top of the copy on its disk
        Response whileDown = onEdge.responses().create(params("Made while it was down [standin:length=2]").build());
        try (GatewayProcess again = GatewayProcess.start("br-restarted-2", settings)) {
            OpenAIClient onAgain = client(again);
            long t0 = System.nanoTime();
            assertEquals(whileDown.id(), onAgain.responses().retrieve(whileDown.id()).id());
            long firstRead = System.nanoTime() - t0;
            long t1 = System.nanoTime();
            assertThrows(NotFoundException.class, () -> onAgain.responses().retrieve("resp_never_made"));
            long unknown = System.nanoTime() - t1;
            Response queued = onEdge.responses().create(params("Read at once after a restart [standin:length=50] "
                    + "[standin:itl_ms=20]").background(true).build());
            long t2 = System.nanoTime();
            Response read = onAgain.responses().retrieve(queued.id());
            long fresh = System.nanoTime() - t2;
            assertEquals(queued.id(), read.id());
            System.out.printf("MEASURED instance restarted on its state dir: first read %d ms, an unknown id 404 in %d ms, "
                    + "a response just created elsewhere read in %d ms%n", ms(firstRead), ms(unknown), ms(fresh));
            assertTrue(ms(unknown) < 3000, "an unknown id is a 404 without waiting out gateway.responses.read-wait: "
                    + ms(unknown) + " ms");
            awaitStatus(onAgain, queued.id(), ResponseStatus.COMPLETED, Duration.ofSeconds(30));
        }
    }

    @Test
    void aCancelSentWhileNoWorkerRunsTheResponseStopsItsTakeover() throws Exception {
        OpenAIClient onEdge = client(edge);
        GatewayProcess workerD = GatewayProcess.start("br-worker-d", settings("br-worker-d", true));
        boolean keepD = false;
        try {
            try (Admin admin = kafka.admin()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> workersInStableGroup(admin), clients ->
                        clients.size() == 2 && clients.stream().anyMatch(c -> c.endsWith("-br-worker-d")));
            }
            Response queued = onEdge.responses().create(params("Cancel me between workers [standin:length=3000] "
                    + "[standin:itl_ms=20]").background(true).build());
            GatewayProcess running = await("one worker runs the response").atMost(Duration.ofSeconds(20))
                    .until(() -> workerB.workerInFlight() == 1 ? workerB : workerD.workerInFlight() == 1 ? workerD : null,
                            Objects::nonNull);
            GatewayProcess survivor = running == workerB ? workerD : workerB;
            long startedBefore = standIn.counters().started();
            running.kill();
            long killed = System.nanoTime();
            Response cancelled = onEdge.responses().cancel(queued.id()); // no worker runs it now
            assertEquals(ResponseStatus.CANCELLED, cancelled.status().orElseThrow());
            // the partition moves to the survivor, which ends the response cancelled instead of going on with it
            List<ResponseStreamEvent> events;
            try (StreamResponse<ResponseStreamEvent> s = onEdge.responses().retrieveStreaming(
                    ResponseRetrieveParams.builder().responseId(queued.id()).build())) {
                events = events(readAll(s));
            }
            long settled = System.nanoTime();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> survivor.workerInFlight() == 0);
            assertEquals(startedBefore, standIn.counters().started(), "the survivor started no continuation");
            assertNumberedFrom(0, events);
            assertEquals("response.failed", type(events.get(events.size() - 1)), "the stream ends: " + type(events.get(events.size() - 1)));
            assertEquals(ResponseStatus.CANCELLED, events.get(events.size() - 1).asFailed().response().status().orElseThrow());
            assertEquals(ResponseStatus.CANCELLED, client(survivor).responses().retrieve(queued.id()).status().orElseThrow());
            System.out.printf("MEASURED cancel while no worker ran the response: its stream ended cancelled %d ms after "
                    + "the SIGKILL, without a continuation at the engine%n", ms(settled - killed));
            if (running == workerB) {
                workerB = workerD;
                keepD = true;
            }
        } finally {
            if (!keepD) {
                workerD.close();
            }
        }
    }
}
