package org.maverick.gateway.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The queued requests whose clients this instance holds (a live stream, or a resumed one), and the
 * owner heartbeat that says so: every fifth of {@code gateway.queue.owner-lease}, one {@code holding}
 * record per control partition (the requests are hashed as Kafka hashes their keys), each listing
 * exactly the requests of that partition held here, the empty ones included (they tell every worker
 * that this instance and its own reading of the control topic are alive). Workers treat a request of
 * an instance reply topic that no instance lists for a lease as if its client had gone: so a
 * generation whose client's instance died (and sent no client_gone) is cancelled, and one resumed on
 * another instance goes on, since the resuming instance lists it.
 *
 * <p>Thread-safe: streams start and end on event loops and resume threads; the heartbeat is sent from
 * a thread of its own. Bounded by the streams held (admission's {@code max-queued} and the resume
 * limit).
 */
@ApplicationScoped
public class ClientHolders {

    /** Only the heartbeat thread uses it. */
    private int controlPartitions;

    private static final Logger LOG = Logger.getLogger(ClientHolders.class);

    private final KafkaQueue queue;
    private final ObjectMapper json;
    private final long leaseMs;
    /** Request id → streams holding it here (a client may resume on the instance it left). */
    private final Map<String, Integer> held = new ConcurrentHashMap<>();
    private ScheduledExecutorService beats;

    ClientHolders(KafkaQueue queue, ObjectMapper json, GatewayConfig config) {
        this.queue = queue;
        this.json = json;
        this.leaseMs = config.queue().ownerLease().toMillis();
    }

    void start(@Observes @Priority(55) StartupEvent event) {
        if (!queue.enabled()) {
            return;
        }
        beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "owner-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = interval(leaseMs);
        beats.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (beats != null) {
            beats.shutdownNow();
        }
    }

    /** How often heartbeats go out: five per lease, so that a few lost or late ones do not end it. */
    static long interval(long leaseMs) {
        return Math.max(20, leaseMs / 5);
    }

    /** A stream of {@code requestId} is relayed to a client here from now on. */
    public void hold(String requestId) {
        held.merge(requestId, 1, Integer::sum);
    }

    /** A stream of {@code requestId} here ended (finished, or its client left). */
    public void release(String requestId) {
        held.computeIfPresent(requestId, (id, n) -> n > 1 ? n - 1 : null);
    }

    public int held() {
        return held.size();
    }

    /** The held request ids by control partition ({@code partitions} of them), every partition present. */
    static List<List<String>> byPartition(Iterable<String> ids, int partitions) {
        List<List<String>> out = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            out.add(new ArrayList<>());
        }
        for (String id : ids) {
            out.get(partitionOf(id, partitions)).add(id);
        }
        return out;
    }

    /** The partition Kafka's default partitioner gives a record keyed {@code requestId}. */
    static int partitionOf(String requestId, int partitions) {
        return Utils.toPositive(Utils.murmur2(requestId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * The control topic's partition count, read from the cluster once (on this thread, which may wait)
     * and again after an outage.
     */
    private int controlPartitions() throws Exception {
        if (controlPartitions <= 0) {
            controlPartitions = queue.admin().describeTopics(List.of(KafkaQueue.CONTROL)).allTopicNames()
                    .get(5, java.util.concurrent.TimeUnit.SECONDS).get(KafkaQueue.CONTROL).partitions().size();
        }
        return controlPartitions;
    }

    private void beat() {
        if (!queue.ready()) {
            controlPartitions = 0; // the topic may come back re-created, with another partition count
            return; // the workers judge no lease while they cannot read this instance's heartbeats either
        }
        try {
            List<List<String>> lists = byPartition(held.keySet(), controlPartitions());
            long now = System.currentTimeMillis();
            String key = Messages.Control.holdingKey(queue.instanceId());
            for (int p = 0; p < lists.size(); p++) {
                byte[] body = json.writeValueAsBytes(Messages.Control.holding(queue.instanceId(), lists.get(p),
                        leaseMs, now));
                queue.requestProducer().send(new ProducerRecord<>(KafkaQueue.CONTROL, p, key, body), (m, e) -> {
                    if (e != null) {
                        LOG.debugf("owner heartbeat not sent: %s", KafkaQueue.rootMessage(e));
                    }
                });
            }
        } catch (Exception e) {
            LOG.debugf("owner heartbeat not sent: %s", KafkaQueue.rootMessage(e));
        }
    }
}
