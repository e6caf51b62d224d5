package org.maverick.gateway.queue;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.kafka.TopicAdmin;
import org.maverick.kafka.TopicDefinition;
import org.maverick.kafka.TopicDefinitions;
import org.maverick.kafka.Topics;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This instance's connection to Kafka: the topics (created from {@code kafka/topics.yaml} when
 * allowed), its own reply topic, one shared producer, client factories, and the cluster's
 * reachability, probed in the background so that requests are refused at once, never hung, while
 * Kafka is away. Inactive (and Kafka never contacted) unless the queue is enabled.
 */
@ApplicationScoped
public class KafkaQueue {

    private static final Logger LOG = Logger.getLogger(KafkaQueue.class);

    public static final String REQUESTS = Topics.REQUESTS;
    public static final String CONTROL = Topics.CONTROL;
    public static final String STATUS = Topics.STATUS;
    public static final String EVENTS = Topics.EVENTS;
    public static final String DLQ = Topics.DLQ;
    static final String REPLY_TEMPLATE = Topics.REPLIES_TEMPLATE;
    static final String BOOTSTRAP_SETTING = "kafka.bootstrap.servers";

    private final GatewayConfig config;
    private final boolean enabled;
    private final Optional<String> bootstrap;
    private String instanceId;
    private String replyTopic;
    /** The kafka.* client settings, read once at start (clients are also made later, per resume). */
    private Map<String, Object> settings = Map.of();
    /** Token events: the high-volume stream of every running generation. */
    private KafkaProducer<String, byte[]> producer;
    /**
     * Requests, control messages, statuses and dead letters: few and each waited for. Their own
     * producer (own connection and in-flight requests) keeps them from queueing behind token events.
     */
    private KafkaProducer<String, byte[]> requestProducer;
    private Admin admin;
    private ScheduledExecutorService prober;
    private volatile boolean ready;
    private volatile boolean topicsChecked;
    private volatile String notReadyReason = "connecting to Kafka";

    KafkaQueue(GatewayConfig config, @ConfigProperty(name = BOOTSTRAP_SETTING) Optional<String> bootstrap,
               org.maverick.gateway.telemetry.GatewayMetrics metrics) {
        this.config = config;
        this.enabled = config.queue().enabled().orElse(config.mode() == GatewayConfig.Mode.QUEUED);
        this.bootstrap = bootstrap.filter(s -> !s.isBlank());
        if (enabled) {
            metrics.gauge(org.maverick.gateway.telemetry.GatewayMetrics.KAFKA_READY,
                    "1 while the Kafka cluster is reachable and the topics are checked, else 0.", () -> ready() ? 1 : 0);
        }
    }

    void start(@Observes @Priority(50) StartupEvent event) {
        if (!enabled) {
            return;
        }
        if (bootstrap.isEmpty()) {
            throw new IllegalStateException(BOOTSTRAP_SETTING + " is required when the queue is enabled "
                    + "(gateway.mode=queued or gateway.queue.enabled=true): set it to the Kafka cluster's bootstrap "
                    + "servers, e.g. KAFKA_BOOTSTRAP_SERVERS=kafka:9092");
        }
        instanceId = config.queue().instanceId().filter(s -> !s.isBlank()).orElseGet(KafkaQueue::defaultInstanceId)
                .replaceAll("[^A-Za-z0-9._-]", "-");
        replyTopic = REPLY_TEMPLATE.replace("{instance}", instanceId);
        settings = clientSettings();
        Map<String, Object> adminConfig = new HashMap<>(settings);
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        admin = Admin.create(adminConfig);
        producer = new KafkaProducer<>(producerConfig("events"), new StringSerializer(), new ByteArraySerializer());
        requestProducer = new KafkaProducer<>(producerConfig("requests"), new StringSerializer(), new ByteArraySerializer());
        prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-probe");
            t.setDaemon(true);
            return t;
        });
        LOG.infof("Kafka queue on %s: instance '%s', reply topic %s", bootstrap.get(), instanceId, replyTopic);
        // Start-up never waits for Kafka: the reply consumer and the worker start once the first probe has
        // found the cluster and checked the topics; until then queued requests get a 503 at once.
        long every = config.queue().probeInterval().toMillis();
        prober.scheduleWithFixedDelay(this::probe, 0, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (prober != null) {
            prober.shutdownNow();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
        }
        if (requestProducer != null) {
            requestProducer.close(Duration.ofSeconds(2));
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }

    private void probe() {
        try {
            admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            if (!topicsChecked) {
                ensureTopics();
                topicsChecked = true;
            }
            if (!ready) {
                LOG.infof("Kafka at %s is reachable", bootstrap.get());
            }
            ready = true;
            notReadyReason = "";
        } catch (Exception e) {
            String reason = "Kafka at " + bootstrap.get() + " is unreachable: " + rootMessage(e);
            if (ready || !reason.equals(notReadyReason)) {
                LOG.warn(reason);
            }
            ready = false;
            notReadyReason = reason;
        }
    }

    private void ensureTopics() throws Exception {
        List<TopicDefinition> wanted = new ArrayList<>();
        for (TopicDefinition d : TopicDefinitions.load()) {
            wanted.add(d.template() ? d.forInstance(instanceId) : d);
        }
        if (!config.queue().createTopics()) {
            LOG.info("gateway.queue.create-topics=false: expecting the topics of kafka/topics.yaml to exist");
            return;
        }
        TopicAdmin.Report report = TopicAdmin.ensure(admin, wanted, config.queue().replicationFactor(),
                Duration.ofSeconds(10));
        if (!report.created().isEmpty()) {
            LOG.infof("created Kafka topics %s", report.created());
        }
        report.problems().forEach(p -> LOG.warnf("Kafka topic check: %s", p));
    }

    /**
     * Every other {@code kafka.*} setting (e.g. {@code kafka.security.protocol=SASL_SSL},
     * {@code kafka.sasl.mechanism}, {@code kafka.sasl.jaas.config}, {@code kafka.ssl.truststore.*}; as
     * environment variables {@code KAFKA_SECURITY_PROTOCOL} and so on) goes to every Kafka client as is,
     * without the prefix: TLS and SASL/SCRAM to a production cluster need no code here.
     */
    static Map<String, Object> clientSettings() {
        Map<String, Object> settings = new HashMap<>();
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        for (String name : config.getPropertyNames()) {
            String property = null;
            if (name.startsWith("kafka.")) {
                property = name;
            } else if (name.startsWith("KAFKA_") && name.equals(name.toUpperCase(java.util.Locale.ROOT))) {
                property = "kafka." + name.substring(6).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
            }
            if (property == null || property.equals(BOOTSTRAP_SETTING)) {
                continue;
            }
            String key = property.substring("kafka.".length());
            config.getOptionalValue(property, String.class).or(() -> config.getOptionalValue(name, String.class))
                    .ifPresent(v -> settings.put(key, v));
        }
        return settings;
    }

    private Map<String, Object> producerConfig(String purpose) {
        Map<String, Object> p = new HashMap<>(settings);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // No producer-side batching delay: tokens are already coalesced per request, and the first
        // token of each request must not wait for anything.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // A send never blocks a caller for long while Kafka is away; readiness refuses requests earlier.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "maverick-gateway-" + instanceId + "-" + purpose);
        return p;
    }

    /** A consumer of this instance's own (not a group member unless {@code groupId} is given). */
    public KafkaConsumer<String, byte[]> consumer(String purpose, Optional<String> groupId, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(settings);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "maverick-" + purpose + "-" + instanceId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        groupId.ifPresent(g -> c.put(ConsumerConfig.GROUP_ID_CONFIG, g));
        c.putAll(extra);
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean ready() {
        return enabled && ready && topicsChecked;
    }

    public String notReadyReason() {
        return enabled ? notReadyReason : "the queue is not enabled (gateway.mode=direct and gateway.queue.enabled unset)";
    }

    public String instanceId() {
        return instanceId;
    }

    public String replyTopic() {
        return replyTopic;
    }

    /** The producer of token events. */
    public KafkaProducer<String, byte[]> producer() {
        return producer;
    }

    /** The producer of requests, control messages, statuses and dead letters. */
    public KafkaProducer<String, byte[]> requestProducer() {
        return requestProducer;
    }

    Admin admin() {
        return admin;
    }

    GatewayConfig config() {
        return config;
    }

    private static String defaultInstanceId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "gateway";
            }
        }
        // A restarted instance with the same name reuses its reply topic; a random suffix would leak topics.
        return host.isBlank() ? "gateway-" + UUID.randomUUID().toString().substring(0, 8) : host;
    }

    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
