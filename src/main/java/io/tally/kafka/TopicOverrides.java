package io.tally.kafka;

/** What a deployment changes in the declarations of {@code topics/}: the partition count, or nothing. */
public record TopicOverrides(Integer partitions) {

    public static TopicOverrides none() {
        return new TopicOverrides(null);
    }

    /** @param count the partition count of every topic, or null to keep the declared ones */
    public static TopicOverrides partitions(Integer count) {
        return new TopicOverrides(count);
    }

    TopicDeclaration apply(TopicDeclaration declaration) {
        return partitions == null ? declaration : declaration.withPartitions(partitions);
    }
}
