package io.tally.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * Makes the cluster's topics match their declarations, idempotently: creates what is missing,
 * sets configuration that differs, adds partitions that are declared. It never removes
 * partitions (Kafka cannot) and never deletes a topic; those cases are reported as warnings.
 */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    public static ApplyReport apply(Admin admin, List<TopicDeclaration> declarations, TopicOverrides overrides) {
        try {
            int brokers = admin.describeCluster().nodes().get().size();
            Set<String> existing = admin.listTopics().names().get();
            List<String> created = new ArrayList<>();
            List<String> updated = new ArrayList<>();
            List<String> unchanged = new ArrayList<>();
            List<String> warnings = new ArrayList<>();
            List<NewTopic> toCreate = new ArrayList<>();
            for (TopicDeclaration declared : declarations) {
                TopicDeclaration topic = overrides.apply(declared).fittedTo(brokers);
                if (topic.replicationFactor() < declared.replicationFactor()) {
                    warnings.add(topic.name() + ": " + brokers + " broker(s), so " + topic.replicationFactor()
                            + " replica(s) instead of the declared " + declared.replicationFactor());
                }
                if (!existing.contains(topic.name())) {
                    toCreate.add(new NewTopic(topic.name(), topic.partitions(), (short) topic.replicationFactor())
                            .configs(topic.config()));
                    created.add(topic.name() + " (" + topic.partitions() + " partitions, " + topic.replicationFactor()
                            + " replicas)");
                    continue;
                }
                List<String> changes = update(admin, topic, warnings);
                (changes.isEmpty() ? unchanged : updated).add(topic.name()
                        + (changes.isEmpty() ? "" : " (" + String.join(", ", changes) + ")"));
            }
            if (!toCreate.isEmpty()) {
                admin.createTopics(toCreate).all().get();
            }
            return new ApplyReport(created, updated, unchanged, warnings);
        } catch (ExecutionException e) {
            throw new IllegalStateException("applying topics failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while applying topics", e);
        }
    }

    private static List<String> update(Admin admin, TopicDeclaration topic, List<String> warnings)
            throws ExecutionException, InterruptedException {
        List<String> changes = new ArrayList<>();
        TopicDescription description = admin.describeTopics(List.of(topic.name())).allTopicNames().get().get(topic.name());
        int current = description.partitions().size();
        if (current < topic.partitions()) {
            admin.createPartitions(Map.of(topic.name(), NewPartitions.increaseTo(topic.partitions()))).all().get();
            changes.add("partitions " + current + " → " + topic.partitions());
        } else if (current > topic.partitions()) {
            warnings.add(topic.name() + " has " + current + " partitions, more than the " + topic.partitions()
                    + " declared; Kafka cannot remove partitions, so it stays at " + current);
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
        Config actual = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        Map<String, String> differing = new TreeMap<>();
        topic.config().forEach((key, value) -> {
            ConfigEntry entry = actual.get(key);
            if (entry == null || !value.equals(entry.value())) {
                differing.put(key, value);
            }
        });
        if (!differing.isEmpty()) {
            Collection<AlterConfigOp> ops = differing.entrySet().stream()
                    .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                    .toList();
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
            differing.forEach((key, value) -> changes.add(key + "=" + value));
        }
        return changes;
    }
}
