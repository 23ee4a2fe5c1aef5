package io.tally.http;

import io.tally.config.Settings;
import io.tally.stream.AppliedOffsets;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Waits until this instance has applied a write given by its {@link ConsistencyToken}: its task
 * has decided the command at that offset, or the deployment has committed past it (which covers a
 * task that moved here and restored its state without deciding anything new yet).
 *
 * <p>A wait holds no thread: one timer looks at every waiting read's partition every 2 ms while
 * there are any, and asks for the deployment's committed offsets, once for all of them, every
 * 200 ms.
 */
final class ReadYourWrites implements AutoCloseable {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long COMMITTED_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final AppliedOffsets applied;
    private final Admin admin;
    private final String applicationId;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tally-read-your-writes");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicBoolean askingCommitted = new AtomicBoolean();
    /** When the timer next asks for the committed offsets, in {@link System#nanoTime()}; the timer's alone. */
    private long nextCommittedCheck = System.nanoTime();

    ReadYourWrites(Settings settings, String bootstrap, AppliedOffsets applied) {
        this.applied = applied;
        this.admin = Admin.create(settings.kafkaClient(bootstrap));
        this.applicationId = settings.applicationId();
    }

    /**
     * Completes once the write is applied here; otherwise, after {@code wait}, with
     * {@link NotYetApplied} (a 503 saying it is not yet).
     */
    CompletableFuture<Void> applied(ConsistencyToken token, Duration wait) {
        if (applied.applied(token.partition()) >= token.offset()) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter waiter = new Waiter(token, wait);
        waiting.add(waiter);
        tickSoon();
        return waiter.done;
    }

    private void tickSoon() {
        if (ticking.compareAndSet(false, true)) {
            try {
                timer.schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                waiting.forEach(waiter -> finish(waiter, ApiError.unavailable("stopping")));
            }
        }
    }

    private void tick() {
        ticking.set(false);
        try {
            long now = System.nanoTime();
            for (Waiter waiter : waiting) {
                if (applied.applied(waiter.token.partition()) >= waiter.token.offset()) {
                    finish(waiter, null);
                } else if (now - waiter.deadline >= 0) {
                    finish(waiter, new NotYetApplied("the write at " + waiter.token + " has not been applied here within "
                            + waiter.wait.toMillis() + " ms (its partition is behind or rebalancing); retry"));
                }
            }
            if (!waiting.isEmpty() && now - nextCommittedCheck >= 0 && askingCommitted.compareAndSet(false, true)) {
                nextCommittedCheck = now + COMMITTED_EVERY_NANOS;
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
                        .whenComplete((committed, error) -> {
                            askingCommitted.set(false);
                            if (error == null) {
                                finishCommitted(committed);
                            }
                            // On an error the next check asks again; the waits end at their deadlines meanwhile.
                        });
            }
        } finally {
            if (!waiting.isEmpty()) {
                tickSoon();
            }
        }
    }

    private void finishCommitted(Map<TopicPartition, OffsetAndMetadata> committed) {
        for (Waiter waiter : waiting) {
            OffsetAndMetadata offset = committed.get(new TopicPartition(TallyTopics.COMMANDS, waiter.token.partition()));
            if (offset != null && offset.offset() > waiter.token.offset()) {
                finish(waiter, null);
            }
        }
    }

    private void finish(Waiter waiter, RuntimeException error) {
        if (waiting.remove(waiter)) {
            if (error == null) {
                waiter.done.complete(null);
            } else {
                waiter.done.completeExceptionally(error);
            }
        }
    }

    /** A read waiting for its write; compared by identity, as two reads may wait for the same token. */
    private static final class Waiter {
        final ConsistencyToken token;
        final Duration wait;
        final long deadline;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Waiter(ConsistencyToken token, Duration wait) {
            this.token = token;
            this.wait = wait;
            this.deadline = System.nanoTime() + wait.toNanos();
        }
    }

    /**
     * How many commands of each partition the deployment has not committed yet: the end of
     * {@code tally.commands} minus the application's committed offset. Fails with a 503 when Kafka
     * does not say within 10 s.
     */
    CompletableFuture<Map<Integer, Long>> lagByPartition() {
        return admin.describeTopics(List.of(TallyTopics.COMMANDS)).allTopicNames().toCompletionStage().toCompletableFuture()
                .thenCompose(topics -> {
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    topics.get(TallyTopics.COMMANDS).partitions().forEach(p ->
                            latest.put(new TopicPartition(TallyTopics.COMMANDS, p.partition()), OffsetSpec.latest()));
                    // Both asked at once: read one after the other, the commands written in between counted
                    // as lag (hundreds at 5,000 writes/s, where the commit cycle itself accounts for about 125).
                    var committedLater = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
                            .toCompletionStage().toCompletableFuture();
                    var endsLater = admin.listOffsets(latest).all().toCompletionStage().toCompletableFuture();
                    return committedLater.thenCombine(endsLater, (committed, ends) -> {
                        Map<Integer, Long> lag = new TreeMap<>();
                        ends.forEach((partition, end) -> {
                            OffsetAndMetadata done = committed.get(partition);
                            lag.put(partition.partition(), Math.max(0, end.offset() - (done == null ? 0 : done.offset())));
                        });
                        return lag;
                    });
                })
                .orTimeout(10, TimeUnit.SECONDS)
                .exceptionallyCompose(error -> {
                    Throwable cause = HttpApi.unwrap(error);
                    return CompletableFuture.failedFuture(ApiError.unavailable("cannot read the command topic's offsets now: "
                            + (cause instanceof TimeoutException ? "Kafka did not answer within 10 s" : cause.getMessage())));
                });
    }

    /** A 503: the instance has not applied the write the reader asked to see. */
    static final class NotYetApplied extends RuntimeException {
        NotYetApplied(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        waiting.forEach(waiter -> finish(waiter, ApiError.unavailable("stopping")));
        admin.close(Duration.ofSeconds(5));
    }
}
