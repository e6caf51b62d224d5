package org.maverick.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Makes a cluster hold the defined topics: creates the missing ones and reports how existing
 * ones differ from their definition. It never deletes or alters a topic; fixing a mismatch
 * (more partitions move keys between partitions) is an operator's decision.
 */
public final class TopicAdmin {

    private TopicAdmin() {
    }

    /**
     * What {@link #ensure} did and found.
     *
     * @param created  topics this call created
     * @param problems human-readable differences between existing topics and their definitions
     */
    public record Report(List<String> created, List<String> problems) {
        public Report {
            created = List.copyOf(created);
            problems = List.copyOf(problems);
        }

        /** True when every defined topic exists as defined. */
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /**
     * Creates the missing topics among {@code definitions} (templates are skipped: make them
     * concrete with {@link TopicDefinition#forInstance(String)} first) and compares existing
     * ones with their definition: partition count, replication factor, the defined configs,
     * and co-partitioning of requests, control and status. Blocks the calling thread for at
     * most about {@code timeout}.
     *
     * @param replicationOverride replication factor for every created topic (1 on a single-node
     *                            broker); empty keeps each definition's own
     * @throws TopicAdminException if the cluster does not answer within the timeout or refuses
     *                             a creation for another reason than the topic existing
     */
    public static Report ensure(Admin admin, List<TopicDefinition> definitions,
            Optional<Short> replicationOverride, Duration timeout) {
        Objects.requireNonNull(admin, "admin");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicDefinition> concrete = definitions.stream().filter(d -> !d.template()).toList();
        Set<String> wanted = concrete.stream().map(TopicDefinition::name).collect(Collectors.toSet());

        Set<String> existing = await(admin.listTopics().names(), deadline, "list topics");
        List<NewTopic> missing = concrete.stream().filter(d -> !existing.contains(d.name()))
                .map(d -> d.toNewTopic(replicationOverride)).toList();
        List<String> created = create(admin, missing, deadline);

        Map<String, TopicDescription> descriptions =
                await(admin.describeTopics(wanted).allTopicNames(), deadline, "describe topics");
        Map<ConfigResource, Config> configs = await(admin.describeConfigs(wanted.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all(),
                deadline, "describe topic configs");

        List<String> problems = new ArrayList<>();
        for (TopicDefinition definition : concrete) {
            TopicDescription description = descriptions.get(definition.name());
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, definition.name()));
            problems.addAll(compare(definition, description, config, replicationOverride));
        }
        problems.addAll(checkCoPartitioned(descriptions));
        return new Report(created, problems);
    }

    private static List<String> create(Admin admin, List<NewTopic> missing, long deadline) {
        if (missing.isEmpty()) {
            return List.of();
        }
        CreateTopicsResult result = admin.createTopics(missing);
        List<String> created = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<Void>> entry : result.values().entrySet()) {
            try {
                await(entry.getValue(), deadline, "create topic " + entry.getKey());
                created.add(entry.getKey());
            } catch (TopicAdminException e) {
                // Another instance may create the same topic between our list and create calls;
                // the topic exists either way and is compared below like any other.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return created;
    }

    private static List<String> compare(TopicDefinition definition, TopicDescription description,
            Config config, Optional<Short> replicationOverride) {
        List<String> problems = new ArrayList<>();
        String name = definition.name();
        if (description == null) {
            problems.add(name + ": not found after creation");
            return problems;
        }
        int partitions = description.partitions().size();
        if (partitions != definition.partitions()) {
            problems.add(name + ": has " + partitions + " partitions, topics.yaml says " + definition.partitions());
        }
        int replication = description.partitions().get(0).replicas().size();
        short expectedReplication = replicationOverride.orElse(definition.replicationFactor());
        if (replication < expectedReplication) {
            problems.add(name + ": has replication factor " + replication + ", expected " + expectedReplication);
        }
        if (config != null) {
            for (Map.Entry<String, String> expected : definition.effectiveConfigs(replicationOverride).entrySet()) {
                ConfigEntry actual = config.get(expected.getKey());
                String actualValue = actual == null ? null : actual.value();
                if (!expected.getValue().equals(actualValue)) {
                    problems.add(name + ": config " + expected.getKey() + " is " + actualValue
                            + ", topics.yaml says " + expected.getValue());
                }
            }
        }
        return problems;
    }

    private static List<String> checkCoPartitioned(Map<String, TopicDescription> descriptions) {
        TopicDescription requests = descriptions.get(Topics.REQUESTS);
        if (requests == null) {
            return List.of();
        }
        int expected = requests.partitions().size();
        List<String> problems = new ArrayList<>();
        for (String name : TopicDefinitions.CO_PARTITIONED) {
            TopicDescription description = descriptions.get(name);
            if (description != null && description.partitions().size() != expected) {
                problems.add("co-partitioning broken: " + name + " has " + description.partitions().size()
                        + " partitions but " + Topics.REQUESTS + " has " + expected
                        + "; control and status records would reach a worker that does not own the request");
            }
        }
        return problems;
    }

    private static <T> T await(KafkaFuture<T> future, long deadline, String what) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new TopicAdminException("Cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new TopicAdminException("Cannot " + what + ": no answer from Kafka in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicAdminException("Interrupted while trying to " + what, e);
        }
    }

    /** The cluster could not be asked or refused a creation. */
    public static final class TopicAdminException extends RuntimeException {
        TopicAdminException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
