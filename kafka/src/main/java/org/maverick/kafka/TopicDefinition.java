package org.maverick.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.NewTopic;

/**
 * One topic as {@code topics.yaml} defines it. The replication factor and
 * {@code min.insync.replicas} are production values; {@link #toNewTopic(Optional)} lowers them
 * for a single-node broker.
 *
 * @param name              the topic name, or for a template a name containing
 *                          {@value #INSTANCE_PLACEHOLDER}
 * @param partitions        the partition count (positive)
 * @param replicationFactor the production replication factor (positive)
 * @param configs           topic-level configs ({@code cleanup.policy}, {@code retention.ms}, ...)
 * @param description       one line saying what the topic carries
 * @param template          true for a per-instance topic; see {@link #forInstance(String)}
 */
public record TopicDefinition(String name, int partitions, short replicationFactor,
        Map<String, String> configs, String description, boolean template) {

    /** The placeholder a template's name contains, replaced by {@link #forInstance(String)}. */
    public static final String INSTANCE_PLACEHOLDER = "{instance}";

    static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final int MAX_NAME_LENGTH = 249;

    public TopicDefinition {
        Objects.requireNonNull(name, "name");
        configs = Map.copyOf(Objects.requireNonNull(configs, "configs"));
        description = description == null ? "" : description;
        if (template) {
            if (!name.contains(INSTANCE_PLACEHOLDER)) {
                throw new IllegalArgumentException("topic template " + name + ": field name must contain "
                        + INSTANCE_PLACEHOLDER);
            }
            checkLegalName(name.replace(INSTANCE_PLACEHOLDER, "i"), name);
        } else {
            checkLegalName(name, name);
        }
        if (partitions <= 0) {
            throw new IllegalArgumentException("topic " + name + ": field partitions must be positive, was "
                    + partitions);
        }
        if (replicationFactor <= 0) {
            throw new IllegalArgumentException("topic " + name
                    + ": field replication_factor must be positive, was " + replicationFactor);
        }
    }

    /**
     * The request to create this topic. With a replication override (1 on a single-node broker),
     * {@code min.insync.replicas} is lowered to at most the override, or producers using
     * {@code acks=all} could never write.
     *
     * @throws IllegalStateException for a template: call {@link #forInstance(String)} first
     */
    public NewTopic toNewTopic(Optional<Short> replicationOverride) {
        if (template) {
            throw new IllegalStateException("topic template " + name + " needs forInstance(id) before creation");
        }
        short replication = replicationOverride.orElse(replicationFactor);
        return new NewTopic(name, partitions, replication).configs(effectiveConfigs(replicationOverride));
    }

    /** The configs a topic created with this replication override carries. */
    public Map<String, String> effectiveConfigs(Optional<Short> replicationOverride) {
        Map<String, String> effective = new LinkedHashMap<>(configs);
        replicationOverride.ifPresent(replication -> effective.computeIfPresent(MIN_INSYNC_REPLICAS,
                (key, value) -> Integer.parseInt(value) > replication ? replication.toString() : value));
        return effective;
    }

    /**
     * This template made concrete for one gateway instance: {@code maverick.replies.{instance}}
     * becomes {@code maverick.replies.gw-7}.
     *
     * @throws IllegalStateException if this is not a template
     * @throws IllegalArgumentException if the resulting name is not a legal topic name
     */
    public TopicDefinition forInstance(String instanceId) {
        if (!template) {
            throw new IllegalStateException("topic " + name + " is not a template");
        }
        Objects.requireNonNull(instanceId, "instanceId");
        if (instanceId.isEmpty() || !LEGAL_NAME.matcher(instanceId).matches()) {
            throw new IllegalArgumentException("instance id '" + instanceId
                    + "' must be non-empty and use only [a-zA-Z0-9._-]");
        }
        return new TopicDefinition(name.replace(INSTANCE_PLACEHOLDER, instanceId), partitions,
                replicationFactor, configs, description, false);
    }

    private static void checkLegalName(String candidate, String shownAs) {
        if (candidate.isEmpty() || candidate.equals(".") || candidate.equals("..")
                || candidate.length() > MAX_NAME_LENGTH || !LEGAL_NAME.matcher(candidate).matches()) {
            throw new IllegalArgumentException("topic " + shownAs + ": field name must be 1.." + MAX_NAME_LENGTH
                    + " characters of [a-zA-Z0-9._-] and not '.' or '..'");
        }
    }
}
