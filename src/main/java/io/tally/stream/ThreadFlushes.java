package io.tally.stream;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The caches of every task of one stream thread, flushed together at the first cache flush of a
 * commit.
 *
 * <p>Before a commit Kafka Streams prepares each task in turn: it flushes the task's caches (here
 * the records cache and the staged analytics), which sends their changelog and {@code tally.records}
 * writes, then waits for the producer to have sent everything, one round trip to the broker per
 * task. With N tasks on a thread a commit took N round trips in a row, and so grew with the
 * partitions per thread (docs/BENCHMARKS.md). When every task's caches are flushed at the first
 * task's flush, its wait sends them all, and the other tasks find nothing left to send.
 *
 * <p>Under exactly-once the tasks of a thread share one producer and one Kafka transaction, so a
 * write flushed early still commits, or aborts, with the input that caused it. A flusher is
 * registered by the thread that runs its task and is only ever run by that thread.
 */
final class ThreadFlushes {
    private static final Map<Thread, Set<Runnable>> BY_THREAD = new ConcurrentHashMap<>();
    private static final ThreadLocal<Boolean> FLUSHING = ThreadLocal.withInitial(() -> false);

    private ThreadFlushes() {
    }

    /** Runs {@code flusher} at every cache flush of a task of the calling thread, until {@link #remove}. */
    static void add(Runnable flusher) {
        BY_THREAD.compute(Thread.currentThread(), (thread, flushers) -> {
            Set<Runnable> kept = flushers == null ? ConcurrentHashMap.newKeySet() : flushers;
            kept.add(flusher);
            return kept;
        });
    }

    /** Stops running {@code flusher}, whichever thread added it. */
    static void remove(Runnable flusher) {
        for (Thread thread : BY_THREAD.keySet()) {
            BY_THREAD.computeIfPresent(thread, (key, flushers) -> {
                flushers.remove(flusher);
                return flushers.isEmpty() ? null : flushers;
            });
        }
    }

    /**
     * Runs every flusher the calling thread added, once: the flushers' own flushes, reached from
     * here, return at once.
     */
    static void flushAll() {
        Set<Runnable> flushers = BY_THREAD.get(Thread.currentThread());
        if (flushers == null || FLUSHING.get()) {
            return;
        }
        FLUSHING.set(true);
        try {
            for (Runnable flusher : flushers) {
                flusher.run();
            }
        } finally {
            FLUSHING.set(false);
        }
    }
}
