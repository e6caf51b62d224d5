package org.maverick.gateway.queue;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.config.QueuedSizes;
import org.maverick.gateway.telemetry.RepeatedWarnings;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This instance's connection to Kafka: the topics (created from {@code kafka/topics.yaml} when
 * allowed), its own reply topic, the two producers (each behind a {@link KafkaSender}, so that no
 * caller waits for the broker), client factories, and the cluster's state, probed in the background
 * every {@code gateway.queue.probe-interval}: whether it answers, whether it is still the same cluster,
 * whether every topic this instance needs exists (re-created when missing). Requests are refused at
 * once, never hung, while Kafka is away, and everything resumes by itself when it is back, also when it
 * comes back empty. Inactive (and Kafka never contacted) unless the queue is enabled.
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
    private KafkaSender producer;
    /**
     * Requests, control messages, statuses and dead letters: few and each waited for. Their own
     * producer (own connection and in-flight requests) keeps them from queueing behind token events.
     */
    private KafkaSender requestProducer;
    private Admin admin;
    private ScheduledExecutorService prober;
    private final RepeatedWarnings warnings = new RepeatedWarnings();
    private List<TopicDefinition> wanted = List.of();
    /** The probe's verdict: the cluster answers and every topic this instance needs exists. */
    private volatile boolean usable;
    /** The reply consumer reads this instance's reply topic (set by the {@link ReplyRouter}). */
    private volatile boolean replyAttached;
    /** When the probe last found the queue usable (nanoTime); the start time until it first did. */
    private volatile long lastUsable = System.nanoTime();
    private volatile String notReadyReason = "connecting to Kafka";
    /** The id of the cluster the clients talk to; a different one means the broker came back empty. */
    private volatile String clusterId;
    /** Whether the topics must be checked in full (first probe, after a new cluster, after a creation failed). */
    private boolean checkTopicsInFull = true;
    /** The producers' max.request.size: the largest queued form of a valid request, or what the operator set. */
    private int maxRequestBytes = 1_048_576;
    /** The requests topic's max.message.bytes as the cluster last reported it; unknown (no bound) until probed. */
    private volatile long requestsTopicMaxBytes = Long.MAX_VALUE;

    KafkaQueue(GatewayConfig config, @ConfigProperty(name = BOOTSTRAP_SETTING) Optional<String> bootstrap,
               org.maverick.gateway.telemetry.GatewayMetrics metrics) {
        this.config = config;
        this.enabled = config.queue().enabled().orElse(config.mode() == GatewayConfig.Mode.QUEUED);
        this.bootstrap = bootstrap.filter(s -> !s.isBlank());
        if (enabled) {
            metrics.gauge(org.maverick.gateway.telemetry.GatewayMetrics.KAFKA_READY,
                    "1 while the Kafka cluster is reachable, its topics present and the reply consumer attached, else 0.",
                    () -> ready() ? 1 : 0);
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
        wanted = new ArrayList<>();
        for (TopicDefinition d : TopicDefinitions.load()) {
            wanted.add(d.template() ? d.forInstance(instanceId) : d);
        }
        maxRequestBytes = maxRequestBytes(settings, QueuedSizes.largestQueuedRequest(config));
        for (String topic : List.of(REQUESTS, DLQ)) {
            TopicDefinitions.find(wanted, topic).map(d -> d.configs().get(MAX_MESSAGE_BYTES))
                    .filter(v -> Long.parseLong(v.trim()) < maxRequestBytes)
                    .ifPresent(v -> LOG.warnf("The topic definitions this gateway creates (kafka/topics.yaml) give %s "
                            + "max.message.bytes=%s, less than the %d bytes a valid request can be in its queued form "
                            + "(kafka.max.request.size): raise it in kafka/topics.yaml (and the chart's copy)", topic, v,
                            maxRequestBytes));
        }
        Map<String, Object> adminConfig = new HashMap<>(settings);
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) probeTimeout().toMillis());
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        admin = Admin.create(adminConfig);
        // Bounds of what may wait for the broker in front of each producer; behind them the producer's own
        // buffer.memory (32 MiB) and delivery timeout (gateway.queue.send-timeout).
        producer = new KafkaSender("events", () -> newProducer("events", "none"), () -> usable, () -> notReadyReason,
                16_384, 16L << 20);
        requestProducer = new KafkaSender("requests", () -> newProducer("requests", "lz4"), () -> usable,
                () -> notReadyReason, 8_192, 16L << 20);
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
        // Each sender hands what it holds to its producer and closes it, within its bound.
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

    /** How long a probe waits for the cluster: the probe interval, within 2 to 5 s. */
    private Duration probeTimeout() {
        long ms = config.queue().probeInterval().toMillis();
        return Duration.ofMillis(Math.max(2000, Math.min(5000, ms)));
    }

    /**
     * One probe, on the probe's thread: is the cluster there, is it the same cluster, does every topic
     * this instance needs exist? Missing topics are created again (this instance's reply topic always,
     * the shared ones when gateway.queue.create-topics allows): a broker that comes back with empty
     * storage needs no restart of the gateway. Cheap when all is well: two metadata requests.
     */
    private void probe() {
        String reason;
        try {
            long timeoutMs = probeTimeout().toMillis();
            var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs));
            cluster.nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            String id = cluster.clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
            if (clusterId != null && !clusterId.equals(id)) {
                // The broker came back with other storage (a new cluster): none of the old topics, offsets or
                // producer ids exist there. The producers are re-created (their idempotence state belongs to
                // the old cluster) and the topics checked in full; the reply consumer re-attaches by itself.
                LOG.warnf("Kafka at %s is another cluster now (id %s, was %s): re-checking topics and re-creating "
                        + "the producers", bootstrap.get(), id, clusterId);
                usable = false;
                producer.renew();
                requestProducer.renew();
                checkTopicsInFull = true;
            }
            clusterId = id;
            reason = checkTopics(timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            reason = "Kafka at " + bootstrap.get() + " is unreachable: " + rootMessage(e);
        }
        boolean wasUsable = usable;
        if (reason == null) {
            lastUsable = System.nanoTime();
            usable = true;
            notReadyReason = replyAttached ? "" : "the reply consumer is attaching to " + replyTopic;
            if (!wasUsable) {
                LOG.infof("Kafka at %s is usable (cluster %s, topics present)", bootstrap.get(), clusterId);
            }
        } else {
            usable = false;
            notReadyReason = reason;
            // One line per reason per interval: an outage probed every few hundred ms stays a few lines.
            warnings.log(reason, reason, LOG::warn);
        }
    }

    /** Null when every topic this instance needs exists (creating what it may), else why not. */
    private String checkTopics(long timeoutMs) throws Exception {
        List<String> missing = missingTopics(timeoutMs);
        if (missing.isEmpty() && !checkTopicsInFull) {
            return null;
        }
        List<TopicDefinition> create = new ArrayList<>();
        for (TopicDefinition d : wanted) {
            if (d.name().equals(replyTopic) || config.queue().createTopics()) {
                create.add(d);
            }
        }
        try {
            TopicAdmin.Report report = TopicAdmin.ensure(admin, create, config.queue().replicationFactor(),
                    Duration.ofMillis(timeoutMs * 2));
            if (!report.created().isEmpty()) {
                LOG.infof("created Kafka topics %s", report.created());
            }
            if (checkTopicsInFull) {
                report.problems().forEach(p -> LOG.warnf("Kafka topic check: %s", p));
            }
        } catch (RuntimeException e) {
            return "creating Kafka topics failed: " + rootMessage(e);
        }
        missing = missingTopics(timeoutMs);
        if (missing.isEmpty() && checkTopicsInFull) {
            checkMessageSizes(timeoutMs);
        }
        if (!missing.isEmpty()) {
            return "Kafka topics " + missing + " do not exist"
                    + (config.queue().createTopics() ? "" : " (gateway.queue.create-topics=false: create them from "
                    + "kafka/topics.yaml)");
        }
        checkTopicsInFull = false;
        return null;
    }

    /**
     * Reads max.message.bytes of the requests and dead-letter topics as the cluster has them (a topic's
     * own or the broker's default) and says so when one is below the producers' max.request.size: the
     * broker would refuse a large request the edge accepted (the requests topic's limit then bounds
     * {@link #maxRecordBytes}, so such a request gets a 413 instead), or its dead letter.
     */
    private void checkMessageSizes(long timeoutMs) throws Exception {
        List<org.apache.kafka.common.config.ConfigResource> topics = List.of(
                new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, REQUESTS),
                new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, DLQ));
        Map<org.apache.kafka.common.config.ConfigResource, org.apache.kafka.clients.admin.Config> configs;
        try {
            configs = admin.describeConfigs(topics).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // Not allowed to read configs (ACLs), or slow: the producers' limit stands; the broker has the last word.
            LOG.warnf("could not read max.message.bytes of %s and %s: %s", REQUESTS, DLQ, rootMessage(e));
            return;
        }
        for (var topic : topics) {
            var entry = configs.get(topic) == null ? null : configs.get(topic).get(MAX_MESSAGE_BYTES);
            if (entry == null || entry.value() == null) {
                continue;
            }
            long bytes = Long.parseLong(entry.value().trim());
            if (topic.name().equals(REQUESTS)) {
                requestsTopicMaxBytes = bytes;
            }
            if (bytes < maxRequestBytes) {
                LOG.warnf("Kafka topic %s has max.message.bytes=%d, less than kafka.max.request.size=%d (the largest "
                        + "queued form of a valid request, from gateway.limits.max-body-bytes and "
                        + "gateway.images.max-total-bytes): %s; raise the topic's max.message.bytes (kafka/topics.yaml, "
                        + "the chart's KafkaTopic) to at least %d", topic.name(), bytes, maxRequestBytes,
                        topic.name().equals(REQUESTS) ? "queued requests over " + bytes + " bytes get a 413"
                                : "dead letters of larger requests are lost", maxRequestBytes);
            }
        }
    }

    /** The topics this instance needs that the cluster does not have: one metadata request. */
    private List<String> missingTopics(long timeoutMs) throws Exception {
        List<String> names = wanted.stream().map(TopicDefinition::name).toList();
        var futures = admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs((int) timeoutMs))
                .topicNameValues();
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            try {
                futures.get(name).get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                missing.add(name);
            }
        }
        return missing;
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

    static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    /** Kafka's default buffer.memory: a producer refuses any record larger than its buffer. */
    private static final long DEFAULT_BUFFER_MEMORY = 32L << 20;

    /**
     * The producers' max.request.size: {@code required} (the largest queued form of a valid request,
     * {@link QueuedSizes}) unless the operator set {@code kafka.max.request.size}, which may be larger but
     * never smaller: a smaller one would turn requests the edge accepts into 413s, so the gateway refuses
     * to start and names the settings to change instead.
     */
    static int maxRequestBytes(Map<String, Object> settings, long required) {
        Object set = settings.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (set == null) {
            return Math.toIntExact(required);
        }
        long configured = Long.parseLong(set.toString().trim());
        if (configured < required) {
            throw new IllegalStateException("kafka.max.request.size is " + configured + " bytes, but a valid request "
                    + "can be " + required + " bytes in its queued form (2 x gateway.limits.max-body-bytes + base64 of "
                    + "gateway.images.max-total-bytes + 64 KiB, in whole MiB; docs/images.md): raise "
                    + "kafka.max.request.size (and max.message.bytes of " + REQUESTS + " and " + DLQ + ") to at least "
                    + required + ", or lower gateway.limits.max-body-bytes or gateway.images.max-total-bytes");
        }
        return Math.toIntExact(configured);
    }

    /**
     * A producer for {@code purpose}. {@code compression} is its default {@code compression.type} unless
     * {@code kafka.compression.type} is set: lz4 for requests (prompts and pictures shrink), none for token
     * events, a few hundred bytes each in a batch of their own (linger 0), where lz4 saved next to nothing and cost
     * 1.2 µs of the producer thread's CPU per relayed token (and the broker's and the reply consumer's work to
     * undo it).
     */
    private KafkaProducer<String, byte[]> newProducer(String purpose, String compression) {
        Map<String, Object> p = new HashMap<>(settings);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestBytes);
        if (!settings.containsKey(ProducerConfig.BUFFER_MEMORY_CONFIG) && maxRequestBytes > DEFAULT_BUFFER_MEMORY) {
            // Memory is taken as records need it, up to this bound; one largest request must fit.
            p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, (long) maxRequestBytes + (1L << 20));
        }
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // No producer-side batching delay: tokens are already coalesced per request, and the first
        // token of each request must not wait for anything.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        // Only the sender's own thread ever waits this long (for a topic's metadata or buffer room).
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000);
        // A record the broker has not acknowledged within gateway.queue.send-timeout fails: a request's
        // client gets its 503 then, and the request is not written later, for a client long gone, when the
        // broker returns (the producer never retries a record past its delivery timeout).
        long sendTimeout = Math.max(1000, config.queue().sendTimeout().toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) sendTimeout);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(10000, sendTimeout));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "maverick-gateway-" + instanceId + "-" + purpose);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
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

    /**
     * The largest request record this instance can publish: its producers' max.request.size (the largest
     * queued form of a valid request, {@link QueuedSizes}, unless set larger), or the requests topic's
     * max.message.bytes when the cluster reported a smaller one. A queued request larger than this is
     * refused (413) before it is published.
     */
    public int maxRecordBytes() {
        return (int) Math.min(maxRequestBytes, requestsTopicMaxBytes);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Queued work can flow: the cluster answers, this instance's topics exist, the reply consumer reads. */
    public boolean ready() {
        return enabled && usable && replyAttached;
    }

    /** The probe found the cluster and every topic this instance needs (the reply consumer may not read yet). */
    public boolean usable() {
        return enabled && usable;
    }

    /** How long the queue has not been usable, counted from the last probe that found it so; zero while it is. */
    public Duration unavailableFor() {
        return usable ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - lastUsable);
    }

    /** The cluster the clients talk to (its id), or null before the first probe reached it. */
    public String clusterId() {
        return clusterId;
    }

    /** Set by the reply consumer when it starts or stops reading this instance's reply topic. */
    void replyAttached(boolean attached) {
        replyAttached = attached;
        if (attached && usable) {
            notReadyReason = "";
        } else if (!attached && usable) {
            notReadyReason = "the reply consumer is attaching to " + replyTopic;
        }
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

    /** The producer of token events (never blocks its caller). */
    public KafkaSender producer() {
        return producer;
    }

    /** The producer of requests, control messages, statuses and dead letters (never blocks its caller). */
    public KafkaSender requestProducer() {
        return requestProducer;
    }

    public Admin admin() {
        return admin;
    }

    /**
     * The settings every other Kafka client of this instance takes (Kafka Streams): the bootstrap servers and the
     * pass-through {@code kafka.*} settings (TLS, SASL), as the queue's own clients have them.
     */
    public Map<String, Object> clientConfig() {
        Map<String, Object> c = new HashMap<>(settings);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
        return c;
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
