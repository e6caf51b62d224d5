package org.maverick.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;

import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.junit.jupiter.api.Test;

/** The server modules pinned by kafka.version must match the clients the Quarkus BOM picks. */
class KafkaVersionAlignmentTest {

    @Test
    void serverModulesHaveTheClientsVersion() {
        String clients = AppInfoParser.getVersion();
        for (Class<?> type : new Class<?>[] {KafkaRaftServer.class, Formatter.class, MetadataVersion.class,
                AbstractKafkaConfig.class}) {
            String jar = type.getProtectionDomain().getCodeSource().getLocation().getPath();
            assertTrue(jar.endsWith("-" + clients + ".jar"),
                    type.getName() + " comes from " + jar + ", but kafka-clients is " + clients);
        }
    }
}
