package io.tally.cli;

import java.util.Arrays;

/**
 * Percentiles of recorded latencies, from all of them sorted: the HTTP phase records at most tens
 * of thousands, so exact ranks cost less than a histogram dependency.
 */
final class Latencies {
    private final long[] sorted;

    /** The first {@code count} entries of {@code nanos}, which is left as it was. */
    Latencies(long[] nanos, int count) {
        if (count < 0 || count > nanos.length) {
            throw new IllegalArgumentException("count " + count + " is outside 0.." + nanos.length);
        }
        this.sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
    }

    int count() {
        return sorted.length;
    }

    /**
     * The nearest-rank percentile in milliseconds (two decimals): the smallest latency that at
     * least {@code percent}% of the samples do not exceed; null without samples.
     */
    Double percentileMs(double percent) {
        if (percent <= 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be in (0, 100], got " + percent);
        }
        if (sorted.length == 0) {
            return null;
        }
        // The tolerance keeps 99.9% of 1,000 at rank 999: 99.9 has no exact binary form.
        int rank = (int) Math.ceil(percent / 100 * sorted.length - 1e-9);
        return millis(sorted[Math.max(rank, 1) - 1]);
    }

    Double maxMs() {
        return sorted.length == 0 ? null : millis(sorted[sorted.length - 1]);
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
