package io.tally.analytics;

import io.tally.ledger.Transaction;

import java.time.Instant;
import java.time.ZoneId;

/**
 * Folds one accepted transaction into a partition's partial analytics: for every granularity, the
 * bucket holding its event time gets the change in the record's metrics and in the resource's
 * partial, and the resource's distinct-record count grows when the record is new to the bucket.
 * Buckets already past their retention are left alone.
 */
public final class Aggregator {

    /** A partition's analytics, by {@link AnalyticsKeys} key. */
    public interface Target {
        /** The metrics of a key, or null when it has none. */
        Metrics read(String key);

        void write(String key, Metrics metrics);

        /** A target held in a map, as a replay of the audit log keeps one per partition. */
        static Target of(java.util.Map<String, Metrics> partials) {
            return new Target() {
                @Override
                public Metrics read(String key) {
                    return partials.get(key);
                }

                @Override
                public void write(String key, Metrics metrics) {
                    partials.put(key, metrics);
                }
            };
        }
    }

    private final AnalyticsSettings settings;

    public Aggregator(AnalyticsSettings settings) {
        this.settings = settings;
    }

    public void apply(Transaction transaction, Instant now, Target target) {
        Changes changes = Changes.of(transaction);
        ZoneId zone = settings.zoneOf(transaction.resource());
        for (Granularity granularity : Granularity.values()) {
            Bucket bucket = granularity.bucketOf(transaction.at(), zone);
            if (expired(bucket, now)) {
                continue;
            }
            Instant start = bucket.startInstant();
            for (Changes.Change change : changes.changes()) {
                String recordKey = AnalyticsKeys.record(transaction.resource(), change.field(), granularity, start,
                        transaction.id());
                Metrics mine = target.read(recordKey);
                boolean firstInBucket = mine == null;
                target.write(recordKey, (firstInBucket ? Metrics.EMPTY.plusRecord() : mine).plus(changes.op(), change.amount()));
                String resourceKey = AnalyticsKeys.resource(transaction.resource(), change.field(), granularity, start);
                Metrics partial = target.read(resourceKey);
                partial = (partial == null ? Metrics.EMPTY : partial).plus(changes.op(), change.amount());
                target.write(resourceKey, firstInBucket ? partial.plusRecord() : partial);
            }
        }
    }

    /** Whether a bucket ended longer ago than its granularity's retention. */
    public boolean expired(Bucket bucket, Instant now) {
        return bucket.endInstant().plus(settings.retention().get(bucket.granularity())).isBefore(now);
    }
}
