package io.tally.analytics;

import io.tally.ledger.Transaction;

import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;

/**
 * Folds one accepted transaction into a partition's partial analytics: for every granularity, the
 * bucket holding its event time gets the change in the record's metrics and in the resource's
 * partial, and the resource's distinct-record count grows when the record is new to the bucket.
 * Buckets already past their retention are left alone.
 *
 * <p>A record's metrics of its latest buckets are kept together under one key ({@link OpenBuckets}):
 * a change to the same buckets as the record's change before writes one key, not five. A change
 * in a later bucket closes the earlier one under its own key; a change that arrives late, in a
 * bucket already closed, goes to that bucket's key.
 */
public final class Aggregator {
    private static final Granularity[] GRANULARITIES = Granularity.values();

    /** A partition's analytics, by {@link AnalyticsKeys} key. */
    public interface Target {
        /** The metrics of a bucket's key to change in place, new and empty when the key had none; the target keeps the change. */
        MutableMetrics update(String key);

        /** A record's open buckets to change in place, new and empty when it had none; the target keeps the change. */
        OpenBuckets open(String key);

        /** Removes a bucket's key and returns its metrics, or null when it had none. */
        MutableMetrics take(String key);

        /**
         * Changes when values handed out before may no longer be the ones kept, as when they were
         * written or dropped; until then, a value from {@link #update} may be changed again directly.
         */
        long epoch();
    }

    private final AnalyticsSettings settings;

    /** Most transactions fall in the buckets of the one before; finding them again costs a calendar computation. */
    private final LastBuckets buckets = new LastBuckets();

    /** The resource partials last changed, per resource and field: most transactions change them again. */
    private final Map<String, Map<String, Partials>> partials = new HashMap<>();

    public Aggregator(AnalyticsSettings settings) {
        this.settings = settings;
    }

    public void apply(Transaction transaction, Instant now, Target target) {
        String resource = transaction.resource();
        if (!settings.kept(resource)) {
            return;
        }
        Changes changes = Changes.of(transaction);
        ZoneId zone = settings.zoneOf(resource);
        for (Changes.Change change : changes.changes()) {
            String field = change.field();
            OpenBuckets open = null;
            Partials resourcePartials = partials.computeIfAbsent(resource, absent -> new HashMap<>())
                    .computeIfAbsent(field, absent -> new Partials());
            for (Granularity granularity : GRANULARITIES) {
                Bucket bucket = buckets.of(granularity, transaction.at(), zone);
                if (expired(bucket, now)) {
                    continue;
                }
                if (open == null) {
                    // Only for a bucket kept: a change older than every retention writes no key at all.
                    open = target.open(AnalyticsKeys.open(resource, field, transaction.id()));
                }
                long start = bucket.startInstant().getEpochSecond();
                MutableMetrics mine = recordMetrics(target, open, resource, field, transaction.id(), granularity, start);
                boolean firstInBucket = mine.isEmpty();
                mine.add(changes.op(), change.amount());
                MutableMetrics partial = resourcePartials.of(target, resource, field, granularity, start);
                partial.add(changes.op(), change.amount());
                if (firstInBucket) {
                    mine.addRecord();
                    partial.addRecord();
                }
            }
        }
    }

    /** A record's metrics of a bucket: open, newly opened (closing the one before), or closed when the change is late. */
    private static MutableMetrics recordMetrics(Target target, OpenBuckets open, String resource, String field,
                                                String id, Granularity granularity, long start) {
        MutableMetrics current = open.metrics(granularity);
        long openStart = open.start(granularity);
        if (current != null && openStart == start) {
            return current;
        }
        if (current != null && start < openStart) {
            return target.update(AnalyticsKeys.record(resource, field, granularity, Instant.ofEpochSecond(start), id));
        }
        if (current != null) {
            // Closed under its own key; were it written meanwhile (by an earlier version of Tally), both add.
            target.update(AnalyticsKeys.record(resource, field, granularity, Instant.ofEpochSecond(openStart), id))
                    .addSameRecord(current);
        }
        // A bucket closed by an earlier version of Tally, or by a rebuild, is taken back in.
        MutableMetrics closed = target.take(AnalyticsKeys.record(resource, field, granularity, Instant.ofEpochSecond(start), id));
        MutableMetrics opened = closed == null ? new MutableMetrics() : closed;
        open.open(granularity, start, opened);
        return opened;
    }

    /** The partials of one resource's field, by granularity, valid while the target's epoch stays the same. */
    private static final class Partials {
        private Target target;
        private long epoch;
        private final long[] starts = new long[GRANULARITIES.length];
        private final MutableMetrics[] metrics = new MutableMetrics[GRANULARITIES.length];

        MutableMetrics of(Target from, String resource, String field, Granularity granularity, long start) {
            if (target != from || epoch != from.epoch()) {
                target = from;
                epoch = from.epoch();
                java.util.Arrays.fill(metrics, null);
            }
            int i = granularity.ordinal();
            if (metrics[i] == null || starts[i] != start) {
                metrics[i] = from.update(AnalyticsKeys.resource(resource, field, granularity, Instant.ofEpochSecond(start)));
                starts[i] = start;
            }
            return metrics[i];
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
