package io.tally.kafka;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One topic as {@code topics/<name>.yaml} declares it.
 *
 * @param config topic-level settings as Kafka names them ({@code cleanup.policy}, {@code retention.ms} …)
 */
public record TopicDeclaration(String name, String description, int partitions, int replicationFactor,
                               Map<String, String> config) {
    static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    public TopicDeclaration {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a topic name must not be empty");
        }
        if (partitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException(name + ": partitions and replicationFactor must be at least 1, got "
                    + partitions + " and " + replicationFactor);
        }
        description = description == null ? "" : description;
        // Sorted, so reports and comparisons list settings in a stable order.
        config = Collections.unmodifiableMap(new TreeMap<>(config == null ? Map.of() : config));
    }

    public TopicDeclaration withPartitions(int count) {
        return new TopicDeclaration(name, description, count, replicationFactor, config);
    }

    /**
     * Fitted to a cluster of {@code brokers} nodes: a declaration written for production (3 replicas,
     * min.insync.replicas 2) still runs on the single embedded broker. The replication factor is
     * capped to the brokers there are, and min.insync.replicas to that replication factor, because
     * a topic whose min.insync.replicas exceeds its replicas refuses every acks=all write, and
     * exactly-once producers always write with acks=all.
     */
    public TopicDeclaration fittedTo(int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("a cluster has at least one broker, got " + brokers);
        }
        int replicas = Math.min(replicationFactor, brokers);
        Map<String, String> fitted = new TreeMap<>(config);
        fitted.computeIfPresent(MIN_INSYNC_REPLICAS,
                (key, minimum) -> String.valueOf(Math.min(Integer.parseInt(minimum.strip()), replicas)));
        return new TopicDeclaration(name, description, partitions, replicas, fitted);
    }
}
