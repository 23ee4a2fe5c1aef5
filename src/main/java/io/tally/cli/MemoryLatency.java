package io.tally.cli;

import java.util.SplittableRandom;

/**
 * How long this machine takes to fetch a word from main memory now: a chase of pointers through a
 * 64 MB array in a random cycle, so every step misses the caches. Kafka Streams, RocksDB and the
 * broker are bound by memory far more than by arithmetic, so on a shared machine whose memory is
 * contended by its neighbours the bench's rate falls with this figure, while a CPU-bound probe
 * stays steady. The bench reports it before and after consolidating so a run can be read against it.
 */
final class MemoryLatency {
    private static final int WORDS = 1 << 24;
    private static final int STEPS = 10_000_000;

    private MemoryLatency() {
    }

    /** Nanoseconds per dependent random access, the median of three chases. */
    static double nanosPerAccess() {
        int[] next = cycle(new SplittableRandom(20251123L));
        double[] runs = new double[3];
        int at = 0;
        for (int run = 0; run < runs.length; run++) {
            long start = System.nanoTime();
            for (int step = 0; step < STEPS; step++) {
                at = next[at];
            }
            runs[run] = (System.nanoTime() - start) / (double) STEPS;
        }
        if (at < 0) {
            // Never true; it keeps the chase from being optimised away.
            throw new IllegalStateException();
        }
        java.util.Arrays.sort(runs);
        return Math.round(runs[1] * 10) / 10.0;
    }

    /** One random cycle through every index (Sattolo's shuffle), so the chase never settles in a short loop. */
    private static int[] cycle(SplittableRandom random) {
        int[] next = new int[WORDS];
        for (int i = 0; i < WORDS; i++) {
            next[i] = i;
        }
        for (int i = WORDS - 1; i > 0; i--) {
            int j = random.nextInt(i);
            int swap = next[i];
            next[i] = next[j];
            next[j] = swap;
        }
        return next;
    }
}
