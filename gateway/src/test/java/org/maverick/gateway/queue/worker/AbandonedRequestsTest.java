package org.maverick.gateway.queue.worker;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.support.KafkaResource;
import org.maverick.gateway.support.QueuedProfile;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.gateway.support.WsClient;
import org.maverick.kafka.MessageHeaders;
import org.maverick.standin.StandInCounters;

import java.io.InputStream;
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
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No abandoned queued generation runs on for nobody: a client that leaves (and does not come back
 * within the grace period, 1 s here) has its request never started if it was not yet, and cancelled at
 * Triton at the grace period's end if it was, at every step; a generation whose client's instance is
 * gone (nobody lists it in an owner heartbeat, lease 1 s here) is cancelled within lease plus grace.
 * Each window is driven deterministically with the worker's test steps and the stand-in's held first
 * token; the stand-in's counters say what Triton ran.
 */
@QuarkusTest
@TestProfile(QueuedProfile.class)
@QuarkusTestResource(StandInResource.class)
class AbandonedRequestsTest {

    /** Long enough to be far from finished when the grace period ends. */
    private static final String LONG = "Abandon me [standin:itl_ms=20] [standin:length=400]";

    @TestHTTPResource
    URL base;

    @Inject
    Worker worker;

    private volatile boolean holdIntake;
    private final AtomicReference<Runnable> heldOpen = new AtomicReference<>();
    private volatile boolean holdOpen;

    @BeforeEach
    void ready() {
        StandInResource.standIn().faults().clear();
        await().atMost(Duration.ofSeconds(30)).until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url() + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        await().atMost(Duration.ofSeconds(30)).until(() -> worker.inFlight() == 0 && worker.parked() == 0);
        Intake.steps = new Intake.Steps() {
            @Override
            public boolean holdIntake() {
                return holdIntake;
            }

            @Override
            public void beforeEngineCall(String requestId, Runnable open) {
                if (holdOpen) {
                    heldOpen.set(open);
                } else {
                    open.run();
                }
            }
        };
    }

    @AfterEach
    void release() {
        holdIntake = false;
        holdOpen = false;
        Runnable open = heldOpen.getAndSet(null);
        if (open != null) {
            open.run();
        }
        Intake.steps = new Intake.Steps() {
        };
    }

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    private static StandInCounters counters() {
        return StandInResource.standIn().counters();
    }

    /** Waits until the worker has handled one more control message than {@code before} (the client's). */
    private void awaitControl(long before) {
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.counters().controls.get() > before);
    }

    @Test
    void aClientGoneWhileItsRequestWaitsInKafkaNeverStartsIt() throws Exception {
        long started = counters().started();
        long neverStarted = worker.counters().neverStarted.get();
        long controls = worker.counters().controls.get();
        holdIntake = true;
        HttpResponse<InputStream> r = Sse.open(url(), "/v1/chat/completions", Sse.chat(LONG, "\"stream\":true"));
        assertEquals(200, r.statusCode(), "published: the first event came");
        r.body().close();
        awaitControl(controls);
        holdIntake = false;
        long released = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.counters().neverStarted.get() > neverStarted);
        System.out.printf("MEASURED waiting-in-kafka: answered 'cancelled' %d ms after the worker could take it%n",
                (System.nanoTime() - released) / 1_000_000);
        assertEquals(started, counters().started(), "Triton never started it");
        assertEquals(0, worker.inFlight());
    }

    @Test
    void aClientThatComesBackWithinTheGracePeriodGetsItsRequestRunAfterAll() throws Exception {
        long finished = counters().finished();
        long controls = worker.counters().controls.get();
        holdIntake = true;
        HttpResponse<InputStream> r = Sse.open(url(), "/v1/chat/completions",
                Sse.chat("Come back [standin:length=10]", "\"stream\":true"));
        String resume = r.headers().firstValue("x-resume-url").orElseThrow();
        r.body().close();
        awaitControl(controls);
        holdIntake = false;
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.parked() == 1);
        HttpResponse<String> rest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + resume))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(rest.body().trim().endsWith("data: [DONE]"), rest.body());
        assertEquals(finished + 1, counters().finished());
    }

    @Test
    void aClientGoneAfterItsRequestWasTakenButBeforeTheEngineCallOpenedNeverStartsIt() throws Exception {
        long started = counters().started();
        long controls = worker.counters().controls.get();
        holdOpen = true;
        HttpResponse<InputStream> r = Sse.open(url(), "/v1/chat/completions", Sse.chat(LONG, "\"stream\":true"));
        await().atMost(Duration.ofSeconds(10)).until(() -> heldOpen.get() != null);
        assertEquals(1, worker.inFlight(), "taken: status running, call not open");
        r.body().close();
        awaitControl(controls);
        // the grace period ends while the call is still not open: the generation is cancelled
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.inFlight() == 0);
        holdOpen = false;
        heldOpen.getAndSet(null).run(); // the held step goes on: the call must not open now
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                .until(() -> counters().started() == started);
    }

    @Test
    void aClientGoneBeforeTheFirstTokenIsCancelledAtTritonWhenTheGracePeriodEnds() throws Exception {
        StandInCounters c = counters();
        long started = c.started();
        long cancelled = c.cancelled();
        HttpResponse<InputStream> r = Sse.open(url(), "/v1/chat/completions",
                Sse.chat("Held [standin:ttft_ms=30000]", "\"stream\":true"));
        await().atMost(Duration.ofSeconds(10)).until(() -> c.started() > started);
        r.body().close();
        long closed = System.nanoTime();
        await().atMost(Duration.ofSeconds(6)).until(() -> c.cancelled() > cancelled);
        System.out.printf("MEASURED before-first-token: cancelled at Triton %d ms after the client left (grace 1000)%n",
                (System.nanoTime() - closed) / 1_000_000);
    }

    @Test
    void aWebSocketCancelBeforeTheRequestIsTakenNeverStartsIt() throws Exception {
        long started = counters().started();
        long neverStarted = worker.counters().neverStarted.get();
        long controls = worker.counters().controls.get();
        holdIntake = true;
        try (WsClient ws = WsClient.connect(base)) {
            ws.create("g1", LONG);
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.waiting() >= 1);
            ws.cancel("g1");
            ws.awaitEvent("cancelled", "g1");
            awaitControl(controls);
            holdIntake = false;
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.counters().neverStarted.get() > neverStarted);
        }
        assertEquals(started, counters().started(), "Triton never started it");
    }

    /**
     * A socket cannot resume a stream, so a WebSocket's cancel of a running queued generation is an
     * explicit cancel at the worker, not a "client gone" that waits out the grace period.
     */
    @Test
    void aWebSocketCancelOfARunningGenerationCancelsItAtOnceWithoutGrace() throws Exception {
        long cancelled = counters().cancelled();
        long explicit = worker.counters().cancelledExplicitly.get();
        try (WsClient ws = WsClient.connect(base)) {
            ws.create("g2", LONG);
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.inFlight() >= 1);
            ws.cancel("g2");
            ws.awaitEvent("cancelled", "g2");
            await().atMost(Duration.ofSeconds(5)).until(() -> worker.counters().cancelledExplicitly.get() > explicit);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> counters().cancelled() > cancelled);
    }

    @Test
    void anExplicitCancelOfAParkedOrWaitingRequestAnswersItAtOnce() throws Exception {
        long started = counters().started();
        long controls = worker.counters().controls.get();
        holdIntake = true;
        HttpResponse<InputStream> r = Sse.open(url(), "/v1/chat/completions", Sse.chat(LONG, "\"stream\":true"));
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        assertEquals(202, Sse.post(url(), "/v1/requests/" + id + "/cancel", "").statusCode());
        awaitControl(controls);
        holdIntake = false;
        String all = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(all.contains("\"code\":\"cancelled\""), all);
        assertEquals(started, counters().started(), "Triton never started it");
    }

    @Test
    void aGenerationWhoseClientsInstanceIsGoneIsCancelledWithinLeaseAndGrace() throws Exception {
        // A request published by an instance that no longer exists (it died: no client_gone will come),
        // and one of an event-driven caller (its own reply topic: no holder, never judged by lease).
        String ghost = "maverick.replies.ghost-" + System.nanoTime();
        String callers = "callers.replies-" + System.nanoTime();
        Map<String, Object> conf = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        try (Admin admin = Admin.create(conf)) {
            admin.createTopics(List.of(new NewTopic(ghost, 1, (short) 1), new NewTopic(callers, 1, (short) 1))).all().get();
        }
        StandInCounters c = counters();
        long started = c.started();
        long cancelled = c.cancelled();
        long finished = c.finished();
        long unheld = worker.counters().cancelledUnheld.get();
        String orphan = "chatcmpl-orphan-" + System.nanoTime();
        String eventDriven = "chatcmpl-caller-" + System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(request(orphan, ghost, "Nobody reads this [standin:itl_ms=20] [standin:length=500]"));
            producer.send(request(eventDriven, callers, "A caller reads this [standin:itl_ms=10] [standin:length=300]"));
            producer.flush();
        }
        long sent = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> c.started() >= started + 2);
        await().atMost(Duration.ofSeconds(8)).until(() -> c.cancelled() > cancelled);
        System.out.printf("MEASURED dead owner: cancelled at Triton %d ms after publication (lease 1000 + grace 1000)%n",
                (System.nanoTime() - sent) / 1_000_000);
        assertEquals(unheld + 1, worker.counters().cancelledUnheld.get());
        await().atMost(Duration.ofSeconds(15)).until(() -> c.finished() > finished);
        assertEquals(cancelled + 1, c.cancelled(), "the event-driven caller's generation ran to its end");
        assertEquals("final", lastEventType(callers, eventDriven));
    }

    private static ProducerRecord<String, String> request(String id, String replyTopic, String content) {
        String value = "{\"version\":1,\"request_id\":\"" + id + "\",\"created_at\":" + System.currentTimeMillis()
                + ",\"deadline_at\":null,\"kind\":\"chat\",\"request\":{\"model\":\"llama-4-maverick\",\"stream\":true,"
                + "\"max_tokens\":600,\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}}";
        ProducerRecord<String, String> record = new ProducerRecord<>(KafkaQueue.REQUESTS, id, value);
        record.headers().add(MessageHeaders.REPLY_TOPIC, replyTopic.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static String lastEventType(String topic, String id) throws Exception {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            AtomicReference<String> last = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (id.equals(r.key())) {
                        last.set(Sse.JSON.readTree(r.value()).path("type").asText());
                    }
                }
                return last.get() != null && !"token".equals(last.get());
            });
            return last.get();
        }
    }

    /**
     * A few hundred streams, in rounds of 20, each abandoned at a random moment (before its answer
     * began, or after a few events) or read to its end; the abandoned ones are long (over 4 s), far
     * longer than the grace period. Every generation Triton started must have finished for a reader
     * or been cancelled: the stand-in finishes exactly as many as were read to the end.
     */
    @Test
    void abandonedStreamsAtRandomMomentsNeverRunOnForNobody() throws Exception {
        StandInCounters c = counters();
        long started = c.started();
        long finished = c.finished();
        long cancelled = c.cancelled();
        long failed = c.failed();
        long neverStarted = worker.counters().neverStarted.get();
        int streams = 300;
        int readers = 0;
        int abandonedBeforeFirstEvent = 0;
        int abandonedAfterEvents = 0;
        Random random = new Random(42);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            for (int round = 0; round < streams / 20; round++) {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    int kind = random.nextInt(10);
                    long delayMs = random.nextInt(60);
                    int events = 1 + random.nextInt(6);
                    if (kind < 2) {
                        readers++;
                        results.add(pool.submit(() -> {
                            Sse.Stream s = Sse.stream(url(), "/v1/chat/completions",
                                    Sse.chat("Read me [standin:length=12]", "\"stream\":true"));
                            return s.events().get(s.events().size() - 1).equals("[DONE]");
                        }));
                    } else if (kind < 6) {
                        abandonedBeforeFirstEvent++;
                        results.add(pool.submit(() -> {
                            try (Socket socket = Sse.rawPost(base.getPort(), "/v1/chat/completions",
                                    Sse.chat(LONG, "\"stream\":true"))) {
                                socket.setSoLinger(true, 0);
                                sleepAMoment(delayMs); // a random moment, not a wait for anything
                            }
                            return true;
                        }));
                    } else {
                        abandonedAfterEvents++;
                        results.add(pool.submit(() -> {
                            try (Socket socket = Sse.rawPost(base.getPort(), "/v1/chat/completions",
                                    Sse.chat(LONG, "\"stream\":true"))) {
                                socket.setSoLinger(true, 0);
                                Sse.readDataLines(socket, events);
                            }
                            return true;
                        }));
                    }
                }
                for (Future<Boolean> f : results) {
                    assertTrue(f.get(), "a reader read its stream to [DONE]");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> c.inFlight() == 0 && c.queued() == 0
                && worker.inFlight() == 0 && worker.parked() == 0);
        long s = c.started() - started;
        long f = c.finished() - finished;
        long x = c.cancelled() - cancelled;
        long e = c.failed() - failed;
        System.out.printf("MEASURED load: %d streams (%d read to the end, %d abandoned before the first event, %d after "
                        + "1-6 events): Triton started %d, finished %d, cancelled %d, failed %d; %d never started%n",
                streams, readers, abandonedBeforeFirstEvent, abandonedAfterEvents, s, f, x, e,
                worker.counters().neverStarted.get() - neverStarted);
        assertEquals(s, f + x + e, "every generation started ended");
        assertEquals(readers, f, "only generations somebody read to the end finished at the engine");
    }

    private static void sleepAMoment(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
