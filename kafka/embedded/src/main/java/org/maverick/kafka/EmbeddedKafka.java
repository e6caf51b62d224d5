package org.maverick.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real, single-node Apache Kafka broker (KRaft, combined broker and controller) running in
 * this JVM, for tests and the one-command local run. It is a test and development tool: it
 * listens on loopback only, keeps one replica of everything and is tuned to start in seconds
 * with little memory. Production points at a real cluster.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start()) {
 *     String bootstrap = kafka.bootstrapServers();   // "127.0.0.1:PORT"
 * }
 * }</pre>
 *
 * <p>{@link #start()} and {@link #close()} block the calling thread (formatting storage,
 * starting and stopping the server); call them from a test's setup or a startup hook, never
 * from an event loop. Not thread-safe: one owner starts and closes it.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Listener names used in the server configuration. */
    static final String CLIENT_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int NODE_ID = 1;
    private static final String LOOPBACK = "127.0.0.1";
    private static final int BIND_ATTEMPTS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Loggers of the broker's own code (not the client's), lowered to WARNING when the JVM's
     * logging goes through java.util.logging (as it does under Quarkus, where SLF4J is bridged to
     * the JBoss LogManager). Held strongly: java.util.logging forgets the level of a logger that
     * was garbage collected.
     */
    private static final List<Logger> QUIETED = List.of(
            "kafka", "state.change.logger", "org.apache.kafka.server", "org.apache.kafka.raft",
            "org.apache.kafka.controller", "org.apache.kafka.metadata", "org.apache.kafka.image",
            "org.apache.kafka.storage", "org.apache.kafka.coordinator", "org.apache.kafka.queue",
            "org.apache.kafka.snapshot", "org.apache.kafka.security", "org.apache.kafka.network")
            .stream().map(Logger::getLogger).toList();

    private final int requestedPort;
    private final Path requestedDataDir;
    private final boolean quietLogs;
    private final Map<String, String> overrides;

    private KafkaRaftServer server;
    private Path dataDir;
    private boolean deleteDataDirOnClose;
    private int port;
    private String clusterId;

    private EmbeddedKafka(Builder builder) {
        this.requestedPort = builder.port;
        this.requestedDataDir = builder.dataDir;
        this.quietLogs = builder.quietLogs;
        this.overrides = Map.copyOf(builder.overrides);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the storage (a new cluster id, unless {@code dataDir} was already formatted by an
     * earlier run), starts the combined broker and controller and waits until the broker
     * answers a client. Blocks for a few seconds.
     *
     * @return this broker, started
     * @throws IOException if the data directory cannot be created or formatted, the ports cannot
     *         be bound, or the broker is not ready within 30 seconds
     */
    public EmbeddedKafka start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        if (quietLogs) {
            QUIETED.forEach(logger -> logger.setLevel(Level.WARNING));
        }
        if (requestedDataDir != null) {
            dataDir = Files.createDirectories(requestedDataDir);
        } else {
            dataDir = Files.createTempDirectory("maverick-kafka-");
            deleteDataDirOnClose = true;
        }
        try {
            startServer();
            awaitReady();
            return this;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The address clients connect to: {@code "127.0.0.1:PORT"}. */
    public String bootstrapServers() {
        requireStarted();
        return LOOPBACK + ":" + port;
    }

    /** The port of the client listener (the one asked for, or the free port chosen for 0). */
    public int port() {
        requireStarted();
        return port;
    }

    /** The directory holding the metadata log and the topics' logs. */
    public Path dataDir() {
        requireStarted();
        return dataDir;
    }

    /** The cluster id this broker's storage was formatted with. */
    public String clusterId() {
        requireStarted();
        return clusterId;
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /**
     * Shuts the server down, waits for it to stop and deletes the data directory if it was a
     * temporary one. Idempotent.
     */
    @Override
    public void close() {
        KafkaRaftServer running = server;
        server = null;
        try {
            if (running != null) {
                running.shutdown();
                running.awaitShutdown();
            }
        } finally {
            if (deleteDataDirOnClose && dataDir != null) {
                deleteRecursively(dataDir);
                deleteDataDirOnClose = false;
            }
        }
    }

    private void startServer() throws IOException {
        // Free ports are chosen before the server binds them, so another process may take one
        // in between; retry with new ports when that race is lost.
        for (int attempt = 1; ; attempt++) {
            int clientPort = requestedPort == 0 ? freePort() : requestedPort;
            int controllerPort = freePort();
            KafkaConfig config = new KafkaConfig(serverConfig(clientPort, controllerPort), false);
            format(config);
            KafkaRaftServer candidate = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                candidate.startup();
                server = candidate;
                port = clientPort;
                return;
            } catch (RuntimeException e) {
                shutdownQuietly(candidate);
                boolean bindFailure = causedByBindFailure(e);
                if (!bindFailure || attempt >= BIND_ATTEMPTS || (requestedPort != 0 && attempt > 1)) {
                    throw new IOException("Embedded Kafka broker failed to start: " + e.getMessage(), e);
                }
            }
        }
    }

    private Map<String, String> serverConfig(int clientPort, int controllerPort) {
        Map<String, String> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        props.put("listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + clientPort + ","
                + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        props.put("advertised.listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + clientPort);
        props.put("listener.security.protocol.map",
                CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", CLIENT_LISTENER);
        props.put("log.dirs", dataDir.toAbsolutePath().toString());

        // Topics come from topics.yaml through TopicAdmin, never from a typo in a client.
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        // One node: every internal topic has one replica, and few partitions so that the first
        // consumer group or transaction does not wait for fifty partitions to be created.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("share.coordinator.state.topic.num.partitions", "1");
        props.put("group.initial.rebalance.delay.ms", "0");

        // A laptop or a shared CI machine: few threads, small segments, small buffers.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("num.replica.fetchers", "1");
        props.put("group.coordinator.threads", "1");
        props.put("share.coordinator.threads", "1");
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        props.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        props.put("log.index.size.max.bytes", Integer.toString(1024 * 1024));
        props.put("server.max.startup.time.ms", Long.toString(READY_TIMEOUT.toMillis()));
        props.putAll(overrides);
        return props;
    }

    private void format(KafkaConfig config) throws IOException {
        // A data directory kept from an earlier run keeps its cluster id and topics.
        Optional<String> existing = readClusterId(dataDir);
        if (existing.isPresent()) {
            clusterId = existing.get();
            return;
        }
        String dir = dataDir.toAbsolutePath().toString();
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(dir)
                .addDirectory(dir)
                .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled());
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IOException("Cannot format Kafka storage in " + dir + ": " + e.getMessage(), e);
        }
        clusterId = formatter.clusterId();
    }

    private static Optional<String> readClusterId(Path dir) throws IOException {
        Path meta = dir.resolve("meta.properties");
        if (!Files.exists(meta)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (var in = Files.newInputStream(meta)) {
            properties.load(in);
        }
        return Optional.ofNullable(properties.getProperty("cluster.id"));
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                long remaining = deadline - System.nanoTime();
                try {
                    if (!admin.describeCluster().nodes().get(remaining, TimeUnit.NANOSECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (System.nanoTime() >= deadline) {
                        throw new IOException("Embedded Kafka broker not ready: " + e.getCause(), e.getCause());
                    }
                } catch (TimeoutException e) {
                    throw new IOException("Embedded Kafka broker not ready within " + READY_TIMEOUT, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("Interrupted while waiting for the embedded Kafka broker", e);
                }
                sleep(50);
            }
        }
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("the embedded Kafka broker is not running");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static boolean causedByBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException ignored) {
            // Already failing to start; the start failure is what the caller needs to see.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + root, e);
        }
    }

    /** Options of an {@link EmbeddedKafka}; every one has a default. */
    public static final class Builder {
        private int port;
        private Path dataDir;
        private boolean quietLogs = true;
        private final Map<String, String> overrides = new HashMap<>();

        private Builder() {
        }

        /** The client port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Where the logs live; kept on close, and reused (same cluster, same topics) on the next
         * start. The default is a temporary directory deleted on close.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /**
         * Whether to lower the broker's own loggers to WARNING where logging goes through
         * java.util.logging (Quarkus). Default true; client loggers are never touched.
         */
        public Builder quietLogs(boolean quietLogs) {
            this.quietLogs = quietLogs;
            return this;
        }

        /** A broker property that replaces the default (e.g. {@code log.retention.ms}). */
        public Builder brokerProperty(String name, String value) {
            overrides.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public EmbeddedKafka build() {
            return new EmbeddedKafka(this);
        }
    }
}
