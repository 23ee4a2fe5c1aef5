package io.tally.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;


import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Makes the cluster's topics match their declarations, idempotently: creates what is missing,
 * sets configuration that differs and grows partitions that are declared. It never removes
 * partitions (Kafka cannot), never changes a replication factor and never deletes a topic or a
 * setting; those differences come back as warnings. A second run finds nothing to do.
 */
public final class TopicAdmin {
    /** How long {@link #apply} waits for every broker to show what it changed. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SETTLE_POLL = Duration.ofMillis(100);

    private TopicAdmin() {
    }

    /**
     * Applies {@code declarations}, changed by {@code overrides}, and returns once the cluster
     * shows the result, so a Kafka Streams application started next finds its topics.
     */
    public static ApplyReport apply(Admin admin, List<TopicDeclaration> declarations, TopicOverrides overrides) {
        try {
            int brokers = brokerCount(admin);
            List<TopicDeclaration> wanted = declarations.stream().map(d -> overrides.applyTo(d, brokers)).toList();
            List<String> warnings = new ArrayList<>();
            capped(declarations, wanted, brokers).ifPresent(warnings::add);

            Set<String> existing = admin.listTopics().names().get();
            List<TopicDeclaration> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            List<TopicDeclaration> created = create(admin, missing);
            List<TopicDeclaration> present = wanted.stream().filter(t -> !created.contains(t)).toList();
            Map<String, TopicChanges> changes = compare(admin, present);
            update(admin, changes.values());
            if (!created.isEmpty() || changes.values().stream().anyMatch(c -> !c.isEmpty())) {
                awaitSettled(admin, wanted);
            }

            List<String> updated = new ArrayList<>();
            List<String> unchanged = new ArrayList<>();
            for (TopicChanges change : changes.values()) {
                (change.isEmpty() ? unchanged : updated).add(change.summary());
                warnings.addAll(change.warnings());
            }
            return new ApplyReport(created.stream().map(TopicAdmin::describe).toList(), updated, unchanged, warnings);
        } catch (ExecutionException e) {
            throw new IllegalStateException("applying topics failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while applying topics", e);
        }
    }

    /**
     * Registered brokers, fenced ones included: a broker that is down for a restart still counts,
     * so a production cluster never gets topics with fewer replicas because of it.
     */
    private static int brokerCount(Admin admin) throws ExecutionException, InterruptedException {
        try {
            return admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes().get().size();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnsupportedVersionException)) {
                throw e;
            }
            // Brokers before Kafka 4.0 cannot list fenced brokers; count the live ones.
            return admin.describeCluster().nodes().get().size();
        }
    }

    private static Optional<String> capped(List<TopicDeclaration> declared, List<TopicDeclaration> wanted,
                                                     int brokers) {
        List<String> lowered = new ArrayList<>();
        for (int i = 0; i < declared.size(); i++) {
            if (wanted.get(i).replicationFactor() < declared.get(i).replicationFactor()) {
                lowered.add(declared.get(i).name() + " " + declared.get(i).replicationFactor() + " → "
                        + wanted.get(i).replicationFactor());
            }
        }
        return lowered.isEmpty() ? Optional.empty() : Optional.of("the cluster has " + brokers
                + " broker(s), so replicas (and min.insync.replicas with them) are capped: " + String.join(", ", lowered));
    }

    /** Creates {@code topics}; returns those created here, not those someone else created meanwhile. */
    private static List<TopicDeclaration> create(Admin admin, List<TopicDeclaration> topics)
            throws ExecutionException, InterruptedException {
        if (topics.isEmpty()) {
            return List.of();
        }
        Map<String, KafkaFuture<Void>> results = admin.createTopics(topics.stream()
                .map(t -> new NewTopic(t.name(), t.partitions(), (short) t.replicationFactor()).configs(t.config()))
                .toList()).values();
        List<TopicDeclaration> created = new ArrayList<>();
        for (TopicDeclaration topic : topics) {
            try {
                results.get(topic.name()).get();
                created.add(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return created;
    }

    /** How each of {@code topics}, which exist, differs from its declaration; in declaration order. */
    private static Map<String, TopicChanges> compare(Admin admin, List<TopicDeclaration> topics)
            throws ExecutionException, InterruptedException {
        if (topics.isEmpty()) {
            return Map.of();
        }
        List<String> names = topics.stream().map(TopicDeclaration::name).toList();
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
        Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all().get();
        Map<String, TopicChanges> changes = new LinkedHashMap<>();
        for (TopicDeclaration topic : topics) {
            TopicDescription description = descriptions.get(topic.name());
            changes.put(topic.name(), TopicChanges.between(topic, description.partitions().size(),
                    description.partitions().get(0).replicas().size(),
                    configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))));
        }
        return changes;
    }

    private static void update(Admin admin, Collection<TopicChanges> changes)
            throws ExecutionException, InterruptedException {
        Map<String, NewPartitions> partitions = changes.stream().filter(c -> c.partitionsTo() != null)
                .collect(Collectors.toMap(TopicChanges::topic, c -> NewPartitions.increaseTo(c.partitionsTo())));
        Map<ConfigResource, Collection<AlterConfigOp>> configs = new HashMap<>();
        for (TopicChanges change : changes) {
            if (!change.configUpdates().isEmpty()) {
                configs.put(new ConfigResource(ConfigResource.Type.TOPIC, change.topic()),
                        change.configUpdates().entrySet().stream()
                                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()),
                                        AlterConfigOp.OpType.SET))
                                .toList());
            }
        }
        if (!partitions.isEmpty()) {
            admin.createPartitions(partitions).all().get();
        }
        if (!configs.isEmpty()) {
            admin.incrementalAlterConfigs(configs).all().get();
        }
    }

    /**
     * Waits until the broker answering metadata requests shows every topic as declared: the
     * controller accepts a change before brokers have applied it, and a topic a client cannot
     * see yet would stop a Kafka Streams application with a missing source topic.
     */
    private static void awaitSettled(Admin admin, List<TopicDeclaration> wanted)
            throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (true) {
            try {
                Set<String> visible = admin.listTopics().names().get();
                if (wanted.stream().allMatch(t -> visible.contains(t.name()))
                        && compare(admin, wanted).values().stream().allMatch(TopicChanges::isEmpty)
                        && leadersAnswer(admin, wanted)) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster did not show the applied topics within " + SETTLE_TIMEOUT);
            }
            Thread.sleep(SETTLE_POLL.toMillis());
        }
    }

    /**
     * Metadata names a leader before that broker acts as one; an idempotent producer whose first
     * batch meets NOT_LEADER_OR_FOLLOWER while later batches land can be wedged on
     * OUT_OF_ORDER_SEQUENCE_NUMBER for good. A ListOffsets answered by every leader means producing is safe.
     */
    private static boolean leadersAnswer(Admin admin, List<TopicDeclaration> wanted) throws InterruptedException {
        try {
            Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
            admin.describeTopics(wanted.stream().map(TopicDeclaration::name).toList()).allTopicNames().get()
                    .values().forEach(description -> description.partitions().forEach(partition -> partitions.put(
                            new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest())));
            admin.listOffsets(partitions).all().get();
            return true;
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static String describe(TopicDeclaration topic) {
        return topic.name() + " (" + topic.partitions() + " partitions, " + topic.replicationFactor() + " replica(s))";
    }
}
