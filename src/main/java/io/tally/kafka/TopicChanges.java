package io.tally.kafka;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How one existing topic differs from its declaration, worked out without touching the cluster.
 * Only what Kafka can change in place is a change; the rest is a warning.
 *
 * @param partitionsTo  the partition count to grow to, or null to leave the partitions as they are
 * @param configUpdates settings to set, by name
 * @param changes       what the updates do, for a person to read
 */
record TopicChanges(String topic, Integer partitionsTo, Map<String, String> configUpdates, List<String> changes,
                    List<String> warnings) {

    TopicChanges {
        configUpdates = Map.copyOf(configUpdates);
        changes = List.copyOf(changes);
        warnings = List.copyOf(warnings);
    }

    /**
     * @param partitions the topic's partition count now
     * @param replicas   the replication factor of its first partition now
     * @param actual     its configuration now, defaults included
     */
    static TopicChanges between(TopicDeclaration wanted, int partitions, int replicas, Config actual) {
        String topic = wanted.name();
        List<String> changes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Integer partitionsTo = null;
        if (partitions < wanted.partitions()) {
            partitionsTo = wanted.partitions();
            changes.add("partitions " + partitions + " → " + wanted.partitions());
            warnings.add(topic + ": more partitions send keys to other partitions than before; state kept per "
                    + "partition (Kafka Streams stores) no longer matches its keys until the application is reset");
        } else if (partitions > wanted.partitions()) {
            warnings.add(topic + ": has " + partitions + " partitions, " + wanted.partitions()
                    + " declared; Kafka cannot remove partitions, so it keeps " + partitions);
        }
        if (replicas != wanted.replicationFactor()) {
            warnings.add(topic + ": has " + replicas + " replica(s), " + wanted.replicationFactor()
                    + " declared; changing that takes a partition reassignment, so it is left as is");
        }
        Map<String, String> updates = new TreeMap<>();
        wanted.config().forEach((key, value) -> {
            ConfigEntry entry = actual.get(key);
            String current = entry == null ? null : entry.value();
            if (!value.equals(current)) {
                updates.put(key, value);
                changes.add(key + " " + (current == null ? "(unset)" : current) + " → " + value);
            }
        });
        for (ConfigEntry entry : actual.entries()) {
            if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG
                    && !wanted.config().containsKey(entry.name())) {
                warnings.add(topic + ": " + entry.name() + "=" + entry.value()
                        + " is set on the cluster but not declared; left as is");
            }
        }
        return new TopicChanges(topic, partitionsTo, updates, changes, warnings);
    }

    boolean isEmpty() {
        return partitionsTo == null && configUpdates.isEmpty();
    }

    /** {@code tally.records (retention.ms 1000 → 2000)}, or just the name when nothing changes. */
    String summary() {
        return isEmpty() ? topic : topic + " (" + String.join(", ", changes) + ")";
    }
}
