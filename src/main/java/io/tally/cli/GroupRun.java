package io.tally.cli;

import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Map;

/**
 * A consumer group timed through the command topic, from the offsets Kafka holds committed for it:
 * under exactly-once a command counts once the transaction holding its results has committed.
 * Start-up, rebalance and JIT warm-up are in the overall rate; "steady" starts once a quarter is
 * done, and the second half is the figure to compare (the JIT compiles for the first minute or two
 * on two cores).
 */
record GroupRun(long total, long startNanos, long warmNanos, long committedAtWarm, long halfNanos, long committedAtHalf,
                long endNanos, CpuSplit cpuAtHalf, CpuSplit cpuAtEnd) {
    private static final Duration POLL = Duration.ofMillis(200);
    /** A group that commits nothing for this long is stuck, not slow. */
    private static final Duration STALLED = Duration.ofMinutes(3);

    /**
     * Waits until {@code group} has committed all {@code total} commands, started at {@code startNanos}.
     *
     * @throws IllegalStateException if it commits nothing for {@link #STALLED}
     */
    static GroupRun await(Admin admin, String group, long total, long startNanos, Progress progress) throws Exception {
        long warmedUp = 0;
        long committedAtWarm = 0;
        long halfway = 0;
        long committedAtHalf = 0;
        CpuSplit cpuAtHalf = null;
        long committed = 0;
        long lastAdvance = System.nanoTime();
        while (committed < total) {
            Thread.sleep(POLL.toMillis());
            long now = committed(admin, group);
            if (now > committed) {
                committed = now;
                lastAdvance = System.nanoTime();
            } else if (System.nanoTime() - lastAdvance > STALLED.toNanos()) {
                throw new IllegalStateException(group + " committed nothing for " + STALLED.toMinutes()
                        + " minutes, at " + committed + " of " + total + " commands");
            }
            progress.update(committed);
            if (warmedUp == 0 && committed >= total / 4) {
                warmedUp = System.nanoTime();
                committedAtWarm = committed;
            }
            if (halfway == 0 && committed >= total / 2) {
                halfway = System.nanoTime();
                committedAtHalf = committed;
                cpuAtHalf = CpuSplit.now();
            }
        }
        long end = System.nanoTime();
        CpuSplit cpuAtEnd = CpuSplit.now();
        progress.done();
        return new GroupRun(total, startNanos, warmedUp, committedAtWarm, halfway, committedAtHalf, end, cpuAtHalf, cpuAtEnd);
    }

    private static long committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(TallyTopics.COMMANDS))
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    double seconds() {
        return (endNanos - startNanos) / 1e9;
    }

    long overallPerSecond() {
        return Math.round(total / seconds());
    }

    long steadyPerSecond() {
        return Math.round((total - committedAtWarm) / ((endNanos - warmNanos) / 1e9));
    }

    long secondHalfPerSecond() {
        return Math.round((total - committedAtHalf) / ((endNanos - halfNanos) / 1e9));
    }

    /** What each command of the second half cost each kind of thread, in CPU microseconds ({@link CpuSplit}). */
    Map<String, Double> secondHalfCpuMicrosPerCommand() {
        return cpuAtEnd.perCommandSince(cpuAtHalf, total - committedAtHalf);
    }
}
