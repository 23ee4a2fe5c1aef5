package io.tally.cli;

import io.tally.analytics.AnalyticsQueries;
import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.analytics.Granularity;

import java.time.Instant;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * Latency of one analytics query repeated against a running instance: warm-up first, then
 * percentiles. {@code rows} is how many rows (buckets or ranked records) the query answered.
 */
record QueryLatency(int rows, long samples, double p50Ms, double p99Ms, double maxMs) {

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
        int rows = 0;
        for (int i = 0; i < warmUp; i++) {
            rows = query.getAsInt();
        }
        long[] nanos = new long[samples];
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            query.getAsInt();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return new QueryLatency(rows, samples, millis(nanos[samples / 2]), millis(nanos[(int) (samples * 0.99) - 1]),
                millis(nanos[samples - 1]));
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
