package io.tally.kafka;

/**
 * What a deployment changes in the declarations of {@code topics/} before {@link TopicAdmin#apply}.
 *
 * @param partitions              the partition count of every topic (tests use 4), or null for the declared ones
 * @param capReplicationToBrokers whether the replication factor (and min.insync.replicas with it) is
 *                                capped to the brokers the cluster has, so one embedded broker gets 1 replica
 */
public record TopicOverrides(Integer partitions, boolean capReplicationToBrokers) {

    public TopicOverrides {
        if (partitions != null && partitions < 1) {
            throw new IllegalArgumentException("the partition override must be at least 1, got " + partitions);
        }
    }

    /** Partitions as declared; replication capped to the cluster's brokers. */
    public static TopicOverrides none() {
        return new TopicOverrides(null, true);
    }

    /** @param count the partition count of every topic, or null to keep the declared ones */
    public static TopicOverrides partitions(Integer count) {
        return new TopicOverrides(count, true);
    }

    /** Creates topics with exactly the declared replication, failing on a cluster that is too small. */
    public TopicOverrides withoutReplicationCap() {
        return new TopicOverrides(partitions, false);
    }

    TopicDeclaration applyTo(TopicDeclaration declared, int brokers) {
        TopicDeclaration topic = partitions == null ? declared : declared.withPartitions(partitions);
        return capReplicationToBrokers ? topic.fittedTo(brokers) : topic;
    }
}
