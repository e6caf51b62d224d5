package org.maverick.gateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.maverick.kafka.EmbeddedKafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * A real single-node Kafka broker on a fixed loopback port that a test stops and starts again: the same
 * address, so the gateway's clients find it again by themselves. {@link #startEmpty()} starts it on a new
 * temporary data directory: a broker back with empty storage (a new cluster id, none of the old topics).
 */
public class RestartableKafkaResource implements QuarkusTestResourceLifecycleManager {

    private static volatile int port;
    private static volatile EmbeddedKafka kafka;

    @Override
    public Map<String, String> start() {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startEmpty();
        return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port);
    }

    /** The running broker (null while stopped). */
    public static EmbeddedKafka broker() {
        return kafka;
    }

    /** Stops the broker: its port refuses connections from now on, its storage is deleted. */
    public static void stopBroker() {
        EmbeddedKafka k = kafka;
        kafka = null;
        if (k != null) {
            k.close();
        }
    }

    /** Starts a broker on the same port with an empty data directory: a new cluster without any topic. */
    public static EmbeddedKafka startEmpty() {
        try {
            kafka = EmbeddedKafka.builder().port(port)
                    .brokerProperty("group.min.session.timeout.ms", "500")
                    .build().start();
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        stopBroker();
    }
}
