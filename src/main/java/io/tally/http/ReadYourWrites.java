package io.tally.http;

import io.tally.config.Settings;
import io.tally.stream.AppliedOffsets;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until this instance has applied a write given by its {@link ConsistencyToken}: its task
 * has decided the command at that offset, or the deployment has committed past it (which covers a
 * task that moved here and restored its state without deciding anything new yet).
 */
final class ReadYourWrites implements AutoCloseable {
    private static final long COMMITTED_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final AppliedOffsets applied;
    private final Admin admin;
    private final String applicationId;

    ReadYourWrites(Settings settings, String bootstrap, AppliedOffsets applied) {
        this.applied = applied;
        this.admin = Admin.create(settings.kafkaClient(bootstrap));
        this.applicationId = settings.applicationId();
    }

    /** Returns once the write is applied here; otherwise, after {@code wait}, a 503 saying it is not yet. */
    void await(ConsistencyToken token, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long nextCommittedCheck = System.nanoTime();
        while (applied.applied(token.partition()) < token.offset()) {
            if (System.nanoTime() >= nextCommittedCheck) {
                if (committedPast(token)) {
                    return;
                }
                nextCommittedCheck = System.nanoTime() + COMMITTED_EVERY_NANOS;
            }
            if (System.nanoTime() >= deadline) {
                throw new NotYetApplied("the write at " + token + " has not been applied here within " + wait.toMillis()
                        + " ms (its partition is behind or rebalancing); retry");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    private boolean committedPast(ConsistencyToken token) {
        TopicPartition partition = new TopicPartition(TallyTopics.COMMANDS, token.partition());
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            OffsetAndMetadata offset = committed.get(partition);
            return offset != null && offset.offset() > token.offset();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    /**
     * How many commands of each partition the deployment has not committed yet: the end of
     * {@code tally.commands} minus the application's committed offset.
     */
    Map<Integer, Long> lagByPartition() {
        try {
            var partitions = admin.describeTopics(java.util.List.of(TallyTopics.COMMANDS)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(TallyTopics.COMMANDS).partitions();
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
            partitions.forEach(p -> latest.put(new TopicPartition(TallyTopics.COMMANDS, p.partition()),
                    org.apache.kafka.clients.admin.OffsetSpec.latest()));
            // Both asked at once: read one after the other, the commands written in between counted
            // as lag (hundreds at 5,000 writes/s, where the commit cycle itself accounts for about 125).
            var committedLater = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata();
            var endsLater = admin.listOffsets(latest).all();
            Map<TopicPartition, OffsetAndMetadata> committed = committedLater.get(10, TimeUnit.SECONDS);
            Map<Integer, Long> lag = new java.util.TreeMap<>();
            endsLater.get(10, TimeUnit.SECONDS).forEach((partition, end) -> {
                OffsetAndMetadata done = committed.get(partition);
                lag.put(partition.partition(), Math.max(0, end.offset() - (done == null ? 0 : done.offset())));
            });
            return lag;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw ApiError.unavailable("cannot read the command topic's offsets now: " + e.getMessage());
        }
    }

    /** A 503: the instance has not applied the write the reader asked to see. */
    static final class NotYetApplied extends RuntimeException {
        NotYetApplied(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
