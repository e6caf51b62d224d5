package org.maverick.gateway.local;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.kafka.EmbeddedKafka;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Starts a real single-node Kafka broker (KRaft) in-process for the one-command local run. Only the
 * {@code local} profile sets {@code gateway.embedded-kafka.enabled}; production points
 * {@code kafka.bootstrap.servers} at a cluster. Runs before the queue connects (lower priority first).
 */
@ApplicationScoped
public class LocalKafka {

    private static final Logger LOG = Logger.getLogger(LocalKafka.class);

    private final GatewayConfig config;
    private EmbeddedKafka kafka;

    LocalKafka(GatewayConfig config) {
        this.config = config;
    }

    void start(@Observes @Priority(5) StartupEvent event) {
        if (!config.embeddedKafka().enabled()) {
            return;
        }
        try {
            kafka = EmbeddedKafka.builder().port(config.embeddedKafka().port()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded Kafka broker on port "
                    + config.embeddedKafka().port() + " (gateway.embedded-kafka.port)", e);
        }
        LOG.warnf("LOCAL PROFILE: EMBEDDED KAFKA broker (single node, KRaft, temporary storage) on %s; "
                + "production sets kafka.bootstrap.servers to a cluster", kafka.bootstrapServers());
    }

    void stop(@Observes ShutdownEvent event) {
        if (kafka != null) {
            kafka.close();
        }
    }
}
