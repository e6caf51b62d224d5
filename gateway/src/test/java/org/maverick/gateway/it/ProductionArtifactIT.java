package org.maverick.gateway.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged gateway (target/quarkus-app, what deploy/docker ships) holds neither the embedded Kafka
 * broker nor the Triton stand-in: both are test and development tools (tests and maverick-local run them
 * in their own JVMs), and a production gateway that carries them is one setting away from starting a
 * broker of its own or answering from a stand-in. Checked by jar name (Quarkus names them
 * {@code groupId.artifactId-version.jar}) and, so that a renamed or shaded copy is caught too, by class.
 */
class ProductionArtifactIT {

    /** Classes of the tools, one per artifact that would bring them. */
    private static final List<String> FORBIDDEN_CLASSES = List.of(
            "kafka/server/KafkaRaftServer.class",             // kafka_2.13, the broker
            "org/apache/kafka/raft/KafkaRaftClient.class",    // kafka-raft
            "org/apache/kafka/metadata/storage/Formatter.class", // kafka-metadata
            "scala/Option.class",                             // scala-library, only the broker needs it
            "org/maverick/kafka/EmbeddedKafka.class",         // maverick-kafka-embedded
            "org/maverick/standin/TritonStandIn.class",       // triton-stand-in
            "org/maverick/local/LocalMain.class");            // maverick-local

    static Path app;
    static List<Path> jars;

    @BeforeAll
    static void listJars() throws IOException {
        app = Path.of(System.getProperty("gateway.jar", "target/quarkus-app/quarkus-run.jar")).getParent();
        assertTrue(Files.isDirectory(app.resolve("lib")), "the packaged gateway is missing: " + app + " (run ./mvnw verify)");
        try (Stream<Path> files = Files.walk(app)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    @Test
    void theLibraryHasTheKafkaClientsAndTheTopicsButNoBrokerAndNoStandIn() {
        List<String> names = jars.stream().map(p -> p.getFileName().toString()).toList();
        // What the gateway does need: without these the check below would pass on a wrong directory.
        assertTrue(names.stream().anyMatch(n -> n.startsWith("org.apache.kafka.kafka-clients-")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("org.apache.kafka.kafka-streams-")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.matches("org\\.maverick\\.maverick-kafka-\\d.*")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("org.maverick.triton-proto-")), names.toString());

        List<String> forbidden = names.stream().filter(n ->
                (n.startsWith("org.apache.kafka.") && !n.startsWith("org.apache.kafka.kafka-clients-")
                        && !n.startsWith("org.apache.kafka.kafka-streams-")) // stored responses (docs/responses.md)
                        || n.startsWith("org.scala-lang.")
                        || n.contains("_2.13-")
                        || n.startsWith("org.maverick.maverick-kafka-embedded")
                        || n.startsWith("org.maverick.triton-stand-in")
                        || n.startsWith("org.maverick.maverick-local")).toList();
        assertEquals(List.of(), forbidden, "broker or stand-in jars in " + app.resolve("lib"));
    }

    @Test
    void noJarOfTheApplicationHoldsAClassOfTheBrokerOrTheStandIn() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path jar : jars) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (String type : FORBIDDEN_CLASSES) {
                    if (zip.getEntry(type) != null) {
                        found.add(app.relativize(jar) + ": " + type);
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
