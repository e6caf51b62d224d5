package org.maverick.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.admin.Admin;

/**
 * Runs the embedded broker alone, with the project's topics, until interrupted (Ctrl-C). A
 * development tool:
 *
 * <pre>
 * java -cp ... org.maverick.kafka.EmbeddedKafkaMain [--port 9092] [--data-dir DIR]
 * </pre>
 *
 * With {@code --data-dir} the topics and their records survive a restart; without it they live
 * in a temporary directory deleted on exit.
 */
public final class EmbeddedKafkaMain {

    private EmbeddedKafkaMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder().port(9092);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> builder.port(Integer.parseInt(value(args, ++i, "--port")));
                case "--data-dir" -> builder.dataDir(Path.of(value(args, ++i, "--data-dir")));
                case "--help", "-h" -> {
                    System.out.println("usage: EmbeddedKafkaMain [--port 9092] [--data-dir DIR]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long started = System.nanoTime();
        EmbeddedKafka kafka = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "embedded-kafka-shutdown"));
        try (Admin admin = kafka.admin()) {
            TopicAdmin.Report report = TopicAdmin.ensure(admin, TopicDefinitions.load(),
                    Optional.of((short) 1), Duration.ofSeconds(30));
            report.problems().forEach(problem -> System.err.println("topic problem: " + problem));
        }
        System.out.printf("Embedded Kafka (a development broker) ready in %d ms at %s, data in %s%n",
                (System.nanoTime() - started) / 1_000_000, kafka.bootstrapServers(), kafka.dataDir());
        stopped.await();
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }
}
