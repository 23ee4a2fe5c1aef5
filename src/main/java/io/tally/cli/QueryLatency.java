package io.tally.cli;

import io.tally.analytics.AnalyticsQueries;
import io.tally.analytics.AnalyticsQueries.Row;
import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.analytics.Granularity;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** Latency of one analytics query repeated against a running instance: warm-up first, then percentiles. */
record QueryLatency(int buckets, long samples, double p50Ms, double p99Ms, double maxMs) {
    private static final int WARM_UP = 200;
    private static final int SAMPLES = 2000;

    /** The last 366 days of a resource's field by day: 366 buckets, each merged over every partition. */
    static QueryLatency yearByDay(AnalyticsQueries queries, Subject subject) {
        Instant now = Instant.now();
        return measure(() -> queries.last(subject, Granularity.DAY, 366, now, true));
    }

    private static QueryLatency measure(Supplier<List<Row>> query) {
        int buckets = 0;
        for (int i = 0; i < WARM_UP; i++) {
            buckets = query.get().size();
        }
        long[] nanos = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            long start = System.nanoTime();
            query.get();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return new QueryLatency(buckets, SAMPLES, millis(nanos[SAMPLES / 2]), millis(nanos[(int) (SAMPLES * 0.99) - 1]),
                millis(nanos[SAMPLES - 1]));
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
