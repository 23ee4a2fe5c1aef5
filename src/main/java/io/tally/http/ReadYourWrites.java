package io.tally.http;

import io.tally.config.Settings;
import io.tally.stream.AppliedOffsets;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.ThreadUtils;

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
 * there are any, and asks for the deployment's committed offsets, once for all of them, at most
 * every 200 ms. A read is refused as not yet applied only after its wait and after committed
 * offsets asked for since it came have answered, as a read on its own asked them once. At most
 * {@value #MOST_WAITING} reads wait at once; more are answered 503 at once.
 */
final class ReadYourWrites implements AutoCloseable {
    static final int MOST_WAITING = 1000;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long COMMITTED_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int COMMITTED_TIMEOUT_MS = 5000;

    private final AppliedOffsets applied;
    private final int mostWaiting;
    private final Admin admin;
    private final String applicationId;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            ThreadUtils.createThreadFactory("tally-read-your-writes", true));
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicBoolean askingCommitted = new AtomicBoolean();
    /** When the timer next asks for the committed offsets, in {@link System#nanoTime()}; the timer's alone. */
    private long nextCommittedCheck = System.nanoTime();
    /** The committed offsets last read, or empty; they only grow, so any past a token stay past it. */
    private volatile Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
    /** When the last ask for committed offsets that has answered (or failed) was sent, in {@link System#nanoTime()}. */
    private volatile long answeredAskSentAt = Long.MIN_VALUE;
    private volatile boolean closed;

    ReadYourWrites(Settings settings, String bootstrap, AppliedOffsets applied) {
        this(settings, bootstrap, applied, MOST_WAITING);
    }

    /** With at most {@code mostWaiting} reads waiting at once. */
    ReadYourWrites(Settings settings, String bootstrap, AppliedOffsets applied, int mostWaiting) {
        this.applied = applied;
        this.mostWaiting = mostWaiting;
        this.admin = Admin.create(settings.kafkaClient(bootstrap));
        this.applicationId = settings.applicationId();
    }

    /**
     * Completes once the write is applied here; otherwise, after {@code wait}, with
     * {@link NotYetApplied} (a 503 saying it is not yet).
     */
    CompletableFuture<Void> applied(ConsistencyToken token, Duration wait) {
        if (isApplied(token)) {
            return CompletableFuture.completedFuture(null);
        }
        if (closed) {
            return CompletableFuture.failedFuture(ApiError.unavailable("stopping"));
        }
        if (waiting.size() >= mostWaiting) {
            return CompletableFuture.failedFuture(ApiError.unavailable(mostWaiting
                    + " reads are already waiting for their writes here; retry shortly"));
        }
        Waiter waiter = new Waiter(token, wait);
        waiting.add(waiter);
        if (closed) {
            finish(waiter, ApiError.unavailable("stopping"));
        }
        tickSoon();
        return waiter.done;
    }

    private boolean isApplied(ConsistencyToken token) {
        if (applied.applied(token.partition()) >= token.offset()) {
            return true;
        }
        OffsetAndMetadata offset = committed.get(new TopicPartition(TallyTopics.COMMANDS, token.partition()));
        return offset != null && offset.offset() > token.offset();
    }

    private void tickSoon() {
        if (ticking.compareAndSet(false, true)) {
            try {
                timer.schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                ticking.set(false);
                waiting.forEach(waiter -> finish(waiter, ApiError.unavailable("stopping")));
            }
        }
    }

    private void tick() {
        ticking.set(false);
        try {
            long now = System.nanoTime();
            long asked = answeredAskSentAt;
            for (Waiter waiter : waiting) {
                if (isApplied(waiter.token)) {
                    finish(waiter, null);
                } else if (now - waiter.deadline >= 0 && asked != Long.MIN_VALUE && asked - waiter.since >= 0) {
                    finish(waiter, new NotYetApplied("the write at " + waiter.token + " has not been applied here within "
                            + waiter.wait.toMillis() + " ms (its partition is behind or rebalancing); retry"));
                }
            }
            if (!waiting.isEmpty() && now - nextCommittedCheck >= 0 && askingCommitted.compareAndSet(false, true)) {
                nextCommittedCheck = now + COMMITTED_EVERY_NANOS;
                askCommitted(now);
            }
        } finally {
            if (!waiting.isEmpty()) {
                tickSoon();
            }
        }
    }

    private void askCommitted(long sentAt) {
        try {
            admin.listConsumerGroupOffsets(applicationId, new ListConsumerGroupOffsetsOptions().timeoutMs(COMMITTED_TIMEOUT_MS))
                    .partitionsToOffsetAndMetadata().whenComplete((offsets, error) -> {
                        if (error == null) {
                            committed = offsets;
                        }
                        // On an error the waits whose time is up end now; the next check asks again.
                        answeredAskSentAt = sentAt;
                        askingCommitted.set(false);
                    });
        } catch (RuntimeException e) {
            answeredAskSentAt = sentAt;
            askingCommitted.set(false);
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
        final long since = System.nanoTime();
        final long deadline;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Waiter(ConsistencyToken token, Duration wait) {
            this.token = token;
            this.wait = wait;
            this.deadline = since + wait.toNanos();
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
        closed = true;
        timer.shutdownNow();
        waiting.forEach(waiter -> finish(waiter, ApiError.unavailable("stopping")));
        admin.close(Duration.ofSeconds(5));
    }
}
