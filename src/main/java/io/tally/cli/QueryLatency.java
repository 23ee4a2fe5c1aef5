package io.tally.cli;

import io.tally.analytics.AnalyticsQueries;
import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.analytics.Granularity;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * Latency of one analytics query repeated against a running instance: warm-up first, then
 * percentiles. {@code rows} is how many rows (buckets or ranked records) the query answered.
 */
record QueryLatency(int rows, long samples, double p50Ms, double p99Ms, double maxMs) {
    private static final Duration WARM_UP_BUDGET = Duration.ofSeconds(20);
    private static final Duration TIMED_BUDGET = Duration.ofSeconds(60);
    /** Timed queries however long they take; a p99 of so few is their maximum. */
    private static final int MIN_SAMPLES = 5;

    /** The last 366 days of a resource's field by day: 366 buckets, each merged over every partition. */
    static QueryLatency yearByDay(AnalyticsQueries queries, Subject subject) {
        Instant now = Instant.now();
        return measure(() -> queries.last(subject, Granularity.DAY, 366, now, true).size(), 200, 2000);
    }

    /**
     * The ten records of a field with the highest sum today: it reads today's closed buckets and
     * the open buckets of every record of the field, in every partition.
     */
    static QueryLatency topOfToday(AnalyticsQueries queries, String resource, String field) {
        Instant now = Instant.now();
        return measure(() -> queries.top(resource, field, Granularity.DAY, now, 10, AnalyticsQueries.RankBy.SUM).size(),
                20, 200);
    }

    private static QueryLatency measure(IntSupplier query, int warmUp, int samples) {
        // A top-N over a million records takes seconds: each phase stops at its time budget too.
        long warmUpEnd = System.nanoTime() + WARM_UP_BUDGET.toNanos();
        int rows = 0;
        for (int i = 0; i < warmUp && (i == 0 || System.nanoTime() < warmUpEnd); i++) {
            rows = query.getAsInt();
        }
        long timedEnd = System.nanoTime() + TIMED_BUDGET.toNanos();
        long[] nanos = new long[samples];
        int taken = 0;
        while (taken < samples && (taken < MIN_SAMPLES || System.nanoTime() < timedEnd)) {
            long start = System.nanoTime();
            query.getAsInt();
            nanos[taken++] = System.nanoTime() - start;
        }
        long[] timed = Arrays.copyOf(nanos, taken);
        Arrays.sort(timed);
        return new QueryLatency(rows, taken, millis(timed[taken / 2]), millis(timed[(int) Math.ceil(taken * 0.99) - 1]),
                millis(timed[taken - 1]));
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
