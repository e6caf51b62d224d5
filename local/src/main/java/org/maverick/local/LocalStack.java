package org.maverick.local;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;
import org.maverick.kafka.EmbeddedKafka;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

/**
 * The local run's three parts and their order: broker and stand-in first (the gateway checks both at
 * start), then the gateway; on the way down the gateway first (it drains its streams, which still need
 * both), then the stand-in and the broker.
 *
 * <p>{@link #run} is called by the main thread and {@link #stop} by the shutdown hook (Ctrl-C, SIGTERM)
 * or by {@code run} itself once the gateway has exited. Both hold this object's lock while they start or
 * stop a part, so a signal during start-up never leaves a part started after the rest was stopped.
 */
final class LocalStack {

    private static final Logger LOG = Logger.getLogger(LocalStack.class);

    /**
     * How long the gateway may take to stop after SIGTERM before it is killed: a little over its own
     * {@code quarkus.shutdown.timeout} (25 s), which bounds the draining of open streams.
     */
    private static final long GATEWAY_STOP_SECONDS = 30;

    private final Options options;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private EmbeddedKafka kafka;
    private TritonStandIn standIn;
    private Process gateway;
    private boolean stopping;

    LocalStack(Options options) {
        this.options = options;
    }

    /**
     * Starts everything and waits: for the gateway to exit (its exit code is returned), or with
     * {@code --no-gateway} for {@link #stop}.
     */
    int run() throws IOException, InterruptedException {
        Path jar = null;
        if (!options.noGateway()) {
            jar = options.resolveGatewayJar(launcherLocation());
            if (!Files.isRegularFile(jar)) {
                LOG.errorf("The packaged gateway is missing: %s (build it with ./mvnw -B package -DskipTests, "
                        + "or name one with --gateway-jar)", jar);
                return 1;
            }
        }
        synchronized (this) {
            if (stopping) {
                return 1;
            }
            try {
                kafka = EmbeddedKafka.builder().port(options.kafkaPort()).build().start();
            } catch (IOException e) {
                throw new IOException("Could not start the embedded Kafka broker on port " + options.kafkaPort()
                        + " (--kafka-port): " + e.getMessage(), e);
            }
            LOG.warnf("EMBEDDED KAFKA broker (single node, KRaft, temporary storage) on %s; "
                    + "production sets kafka.bootstrap.servers to a cluster", kafka.bootstrapServers());
        }
        synchronized (this) {
            if (stopping) {
                return 1;
            }
            try {
                standIn = TritonStandIn.builder().host("127.0.0.1").port(options.standInPort())
                        .timing(Timing.defaults().withScale(options.timeScale())).build().start();
            } catch (IOException e) {
                throw new IOException("Could not start the Triton stand-in on port " + options.standInPort()
                        + " (--standin-port): " + e.getMessage(), e);
            }
            banner();
        }
        String endpoint = "127.0.0.1:" + standIn.port();
        if (jar == null) {
            LOG.infof("Broker at %s and stand-in at %s are up (--no-gateway); Ctrl-C stops them",
                    kafka.bootstrapServers(), endpoint);
            stopped.await();
            return 0;
        }
        List<String> command = options.gatewayCommand(Path.of(System.getProperty("java.home"), "bin", "java"), jar,
                kafka.bootstrapServers(), endpoint, inheritedProperties());
        Process started;
        synchronized (this) {
            if (stopping) {
                return 1;
            }
            LOG.infof("Starting the gateway: %s", String.join(" ", command));
            // Its output goes straight to this process's stdout and stderr, so its log reads as if run alone.
            gateway = new ProcessBuilder(command).inheritIO().start();
            started = gateway;
        }
        int code = started.waitFor();
        synchronized (this) {
            if (!stopping) {
                LOG.infof("The gateway exited (%d); stopping the stand-in and the broker", code);
            }
        }
        stop();
        return code;
    }

    /** Stops the gateway (SIGTERM, then a kill after {@value #GATEWAY_STOP_SECONDS} s), the stand-in, the broker. */
    synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        try {
            if (gateway != null && gateway.isAlive()) {
                LOG.info("Stopping the gateway");
                gateway.destroy();
                if (!gateway.waitFor(GATEWAY_STOP_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warnf("The gateway did not stop within %d s; killing it", GATEWAY_STOP_SECONDS);
                    gateway.destroyForcibly().waitFor();
                }
            }
        } catch (InterruptedException e) {
            gateway.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            if (standIn != null) {
                standIn.close();
            }
            if (kafka != null) {
                kafka.close();
            }
            stopped.countDown();
        }
    }

    private void banner() {
        String line = "*".repeat(96);
        LOG.warn(line);
        LOG.warnf("*  LOCAL RUN: answers come from the TRITON STAND-IN on 127.0.0.1:%d (a test tool, not Maverick)",
                standIn.port());
        LOG.warnf("*  deterministic text with modelled Maverick FP8 timing (time scale %.2f); a real deployment",
                options.timeScale());
        LOG.warn("*  runs quarkus-run.jar without the local profile and sets gateway.triton.endpoint.");
        LOG.warn(line);
    }

    /**
     * The {@code -D} options this JVM was started with ({@code java -Dx=y -jar maverick-local.jar}), which
     * are meant for the gateway: the launcher itself reads none.
     */
    private static List<String> inheritedProperties() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-D"))
                .toList();
    }

    private static Path launcherLocation() {
        try {
            return Path.of(LocalStack.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
