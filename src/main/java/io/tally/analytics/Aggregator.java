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
        /** The metrics of a key to change in place, new and empty when the key had none; the target keeps the change. */
        MutableMetrics update(String key);

        /** A target held in a map, as a replay of the audit log keeps one per partition. */
        static Target of(java.util.Map<String, MutableMetrics> partials) {
            return key -> partials.computeIfAbsent(key, absent -> new MutableMetrics());
        }
    }

    private final AnalyticsSettings settings;

    /** Most transactions fall in the buckets of the one before; finding them again costs a calendar computation. */
    private final LastBuckets buckets = new LastBuckets();

    public Aggregator(AnalyticsSettings settings) {
        this.settings = settings;
    }

    public void apply(Transaction transaction, Instant now, Target target) {
        if (!settings.kept(transaction.resource())) {
            return;
        }
        Changes changes = Changes.of(transaction);
        ZoneId zone = settings.zoneOf(transaction.resource());
        for (Granularity granularity : Granularity.values()) {
            Bucket bucket = buckets.of(granularity, transaction.at(), zone);
            if (expired(bucket, now)) {
                continue;
            }
            Instant start = bucket.startInstant();
            for (Changes.Change change : changes.changes()) {
                MutableMetrics mine = target.update(AnalyticsKeys.record(transaction.resource(), change.field(),
                        granularity, start, transaction.id()));
                boolean firstInBucket = mine.isEmpty();
                mine.add(changes.op(), change.amount());
                MutableMetrics partial = target.update(AnalyticsKeys.resource(transaction.resource(), change.field(),
                        granularity, start));
                partial.add(changes.op(), change.amount());
                if (firstInBucket) {
                    mine.addRecord();
                    partial.addRecord();
                }
            }
        }
    }

    /**
     * The last bucket found per granularity, reused while instants fall inside it in the same zone.
     * Only buckets without an offset change inside are kept: across a fall-back that crosses local
     * midnight the calendar puts some instants of one bucket's span in the day before, and the
     * answer must not depend on which transaction came first.
     */
    private static final class LastBuckets {
        private final Bucket[] last = new Bucket[Granularity.values().length];

        Bucket of(Granularity granularity, Instant instant, ZoneId zone) {
            Bucket bucket = last[granularity.ordinal()];
            if (bucket != null && bucket.start().getZone().equals(zone) && bucket.contains(instant)) {
                return bucket;
            }
            bucket = granularity.bucketOf(instant, zone);
            java.time.zone.ZoneOffsetTransition change = zone.getRules().nextTransition(bucket.startInstant());
            boolean steady = change == null || !change.getInstant().isBefore(bucket.endInstant());
            last[granularity.ordinal()] = steady ? bucket : null;
            return bucket;
        }
    }

    /** Whether a bucket ended longer ago than its granularity's retention. */
    public boolean expired(Bucket bucket, Instant now) {
        return bucket.endInstant().plus(settings.retention().get(bucket.granularity())).isBefore(now);
    }
}
