package io.tally.kafka;

import java.util.Map;
import java.util.TreeMap;

/** One topic as {@code topics/<name>.yaml} declares it. */
public record TopicDeclaration(String name, String description, int partitions, int replicationFactor,
                               Map<String, String> config) {

    public TopicDeclaration {
        config = Map.copyOf(config == null ? Map.of() : config);
    }

    public TopicDeclaration withPartitions(int count) {
        return new TopicDeclaration(name, description, count, replicationFactor, config);
    }

    /**
     * Fitted to a cluster of {@code brokers} nodes: a declaration for production (3 replicas,
     * min.insync.replicas 2) still runs on one embedded broker, with both capped to what exists.
     */
    public TopicDeclaration fittedTo(int brokers) {
        int replicas = Math.min(replicationFactor, brokers);
        Map<String, String> fitted = new TreeMap<>(config);
        fitted.computeIfPresent("min.insync.replicas", (key, isr) -> String.valueOf(Math.min(Integer.parseInt(isr), replicas)));
        return new TopicDeclaration(name, description, partitions, replicas, fitted);
    }
}
