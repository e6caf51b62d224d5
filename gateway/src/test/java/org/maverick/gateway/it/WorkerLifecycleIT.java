package org.maverick.gateway.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.kafka.EmbeddedKafka;
import org.maverick.kafka.Topics;
import org.maverick.standin.StandInCounters;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packaged gateways as separate processes around one broker and one stand-in: the lifecycle of
 * workers and of the instances that hold clients. A killed client-holding instance's generation is
 * cancelled by its worker within the owner lease plus the grace period; a worker joining interrupts
 * only the generations of the partitions that moved to it, and a cancel still reaches the worker that
 * runs each request afterwards; a worker dying interrupts only its own.
 */
class WorkerLifecycleIT {

    private static final int PARTITIONS = 12;
    private static final long LEASE_MS = 2000;
    private static final long GRACE_MS = 2000;

    static EmbeddedKafka kafka;
    static TritonStandIn standIn;
    static GatewayProcess edge;
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
        s.put("gateway.queue.resume-grace", GRACE_MS + "ms");
        s.put("gateway.queue.owner-lease", LEASE_MS + "ms");
        s.put("gateway.queue.worker-session-timeout", "3s");
        s.put("gateway.queue.probe-interval", "500ms");
        s.put("gateway.triton.readiness-interval", "500ms");
        s.put("gateway.auth.enabled", "false");
        return s;
    }

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.builder().port(0).brokerProperty("group.min.session.timeout.ms", "500").build().start();
        standIn = TritonStandIn.builder().host("127.0.0.1").port(0).timing(Timing.fast()).build().start();
        edge = GatewayProcess.start("lc-edge", settings("lc-edge", false));
        workerB = GatewayProcess.start("lc-worker-b", settings("lc-worker-b", true));
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

    private static StandInCounters counters() {
        return standIn.counters();
    }

    /** Reads SSE data lines until {@code n} arrived; the last one read. */
    private static String readData(BufferedReader in, int n) throws Exception {
        String line;
        String last = null;
        int seen = 0;
        while (seen < n && (line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                last = line.substring(6);
                seen++;
            }
        }
        return last;
    }

    @Test
    void aGenerationWhoseClientsInstanceIsKilledIsCancelledWithinLeaseAndGrace() throws Exception {
        try (GatewayProcess holder = GatewayProcess.start("lc-holder", settings("lc-holder", false))) {
            long cancelled = counters().cancelled();
            long finished = counters().finished();
            HttpResponse<InputStream> r = Sse.open(holder.url(), "/v1/chat/completions",
                    Sse.chat("Nobody will read me [standin:itl_ms=50] [standin:length=2000]", "\"stream\":true"));
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            readData(in, 3);
            holder.kill(); // SIGKILL: no client_gone, the client does not resume
            long killed = System.nanoTime();
            await().atMost(Duration.ofMillis(LEASE_MS + GRACE_MS + 5000)).pollInterval(Duration.ofMillis(50))
                    .until(() -> counters().cancelled() > cancelled);
            System.out.printf("MEASURED killed holder: cancelled at Triton %d ms after the SIGKILL (lease %d + grace %d)%n",
                    (System.nanoTime() - killed) / 1_000_000, LEASE_MS, GRACE_MS);
            assertEquals(finished, counters().finished(), "it did not run to its end for nobody");
        }
    }

    private record Stream(String id, int partition, BufferedReader in) {
    }

    private static int partitionOf(String id) {
        return Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static Set<Integer> partitionsOf(String clientIdPart) throws Exception {
        try (Admin admin = kafka.admin()) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("maverick-workers"))
                    .describedGroups().get("maverick-workers").get();
            if (group.groupState() != GroupState.STABLE) {
                return null;
            }
            Set<Integer> out = new HashSet<>();
            for (MemberDescription m : group.members()) {
                if (m.clientId().contains(clientIdPart)) {
                    for (TopicPartition tp : m.assignment().topicPartitions()) {
                        if (Topics.REQUESTS.equals(tp.topic())) {
                            out.add(tp.partition());
                        }
                    }
                }
            }
            return out;
        }
    }

    @Test
    void aWorkerJoiningOrDyingInterruptsOnlyTheGenerationsOfPartitionsThatMove() throws Exception {
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            HttpResponse<InputStream> r = Sse.open(edge.url(), "/v1/chat/completions",
                    Sse.chat("Long answer " + i + " [standin:itl_ms=50] [standin:length=3000]", "\"stream\":true"));
            String id = r.headers().firstValue("x-request-id").orElseThrow();
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            readData(in, 2);
            streams.add(new Stream(id, partitionOf(id), in));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> workerB.workerInFlight() == streams.size());
        // Keep every stream read, so that no client looks gone.
        List<CompletableFuture<String>> ends = new ArrayList<>();
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(streams.size());
        for (Stream s : streams) {
            ends.add(CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    String last = null;
                    while ((line = s.in().readLine()) != null) {
                        if (line.startsWith("data: ")) {
                            last = line.substring(6);
                        }
                    }
                    return last;
                } catch (Exception e) {
                    return "!" + e;
                }
            }, readers));
        }
        StandInCounters c = counters();
        long cancelledBefore = c.cancelled();
        long startedBefore = c.started();
        try (GatewayProcess workerC = GatewayProcess.start("lc-worker-c", settings("lc-worker-c", true))) {
            AtomicSet moved = new AtomicSet();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Set<Integer> p = partitionsOf("lc-worker-c");
                moved.set(p);
                return p != null && !p.isEmpty();
            });
            long expected = streams.stream().filter(s -> moved.get().contains(s.partition())).count();
            // the moved ones are continued on C: one more engine call each, and only they were stopped
            await().atMost(Duration.ofSeconds(30)).until(() -> c.started() - startedBefore >= expected);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> c.cancelled() - cancelledBefore == expected);
            System.out.printf("MEASURED join: %d of %d streams interrupted (partitions %s moved to the new worker; "
                            + "those streams: %d)%n", c.cancelled() - cancelledBefore, streams.size(), moved.get(),
                    expected);
            assertEquals(streams.size(), workerB.workerInFlight() + workerC.workerInFlight(), "all still running");

            // a worker dying (SIGKILL): only its own partitions move back, after the session timeout
            long cancelledBeforeLeave = c.cancelled();
            long startedBeforeLeave = c.started();
            long onC = workerC.workerInFlight();
            workerC.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> c.started() - startedBeforeLeave >= onC);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> c.cancelled() - cancelledBeforeLeave == onC);
            System.out.printf("MEASURED death: %d of %d streams interrupted (the killed worker ran %d)%n",
                    c.cancelled() - cancelledBeforeLeave, streams.size(), onC);
        }
        // cancels still reach the worker that runs each request
        long cancelledBeforeCancels = c.cancelled();
        for (Stream s : streams) {
            assertEquals(202, Sse.post(edge.url(), "/v1/requests/" + s.id() + "/cancel", "").statusCode());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> c.cancelled() - cancelledBeforeCancels == streams.size());
        for (CompletableFuture<String> end : ends) {
            String last = end.get();
            assertTrue(last != null && last.contains("cancelled"), "the stream ended cancelled: " + last);
        }
        assertEquals(0, workerB.workerInFlight());
        readers.shutdownNow();
    }

    /** A holder for a value set inside an Awaitility condition. */
    private static final class AtomicSet {
        private volatile Set<Integer> value = Set.of();

        void set(Set<Integer> v) {
            if (v != null) {
                value = v;
            }
        }

        Set<Integer> get() {
            return value;
        }
    }
}
