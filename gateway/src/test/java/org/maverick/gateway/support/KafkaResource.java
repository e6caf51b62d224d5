package org.maverick.gateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.maverick.kafka.EmbeddedKafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A real single-node Kafka broker (KRaft, in-process) for queued-mode tests, and the gateway's settings
 * to use it. Tests reach it through {@link #bootstrapServers()}.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    private static volatile EmbeddedKafka kafka;

    public static String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public Map<String, String> start() {
        try {
            kafka = EmbeddedKafka.builder().port(0)
                    .brokerProperty("group.min.session.timeout.ms", "500")
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }
}
