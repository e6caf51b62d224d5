package org.maverick.gateway.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/** The gateway in queued mode against a real embedded Kafka broker, with fast timings for tests. */
public class QueuedProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "gateway.mode", "queued",
                "gateway.queue.instance-id", "test",
                "gateway.queue.replication-factor", "1",
                "gateway.queue.resume-secret", "test-secret",
                "gateway.queue.resume-grace", "1s",
                "gateway.queue.owner-lease", "1s",
                "gateway.queue.worker-session-timeout", "2s",
                "gateway.queue.probe-interval", "500ms",
                // any kafka.* setting goes to the Kafka clients (TLS/SASL in production); this one is harmless
                "kafka.client.dns.lookup", "use_all_dns_ips");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KafkaResource.class));
    }
}
