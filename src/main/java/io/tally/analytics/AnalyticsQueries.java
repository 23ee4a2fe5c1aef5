package io.tally.analytics;

import io.tally.ledger.ResourceSpec;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Answers analytics questions by merging the partials of every partition: a run of buckets up to
 * now, a calendar period broken down by a finer one, any from/to range, and the top records of a
 * bucket; each for a whole resource or one record. Buckets with no change are zero-rows unless
 * the caller asks for only the buckets that saw changes.
 */
public final class AnalyticsQueries {
    /** The most buckets one query may span: ten years of days, or fourteen months of hours. */
    public static final int MAX_BUCKETS = 10_000;

    private final PartialStores stores;
    private final RecordReads records;
    private final Map<String, ResourceSpec> resources;
    private final AnalyticsSettings settings;

    public AnalyticsQueries(PartialStores stores, Map<String, ResourceSpec> resources, AnalyticsSettings settings) {
        this.stores = stores;
        this.records = new RecordReads(stores);
        this.resources = Map.copyOf(resources);
        this.settings = settings;
    }

    /** What a query is about: a field of a resource, or of one record of it when {@code id} is set. */
    public record Subject(String resource, String field, String id) {
        public static Subject resource(String resource, String field) {
            return new Subject(resource, field, null);
        }

        public static Subject record(String resource, String field, String id) {
            return new Subject(resource, field, id);
        }
    }

    /** One bucket's metrics. */
    public record Row(Bucket bucket, Metrics metrics) {
    }

    /** A record's rank in a bucket. */
    public record Ranked(String id, Metrics metrics) {
    }

    /** What top-N ranks by. */
    public enum RankBy {
        COUNT, SUM;

        public static RankBy parse(String name) {
            for (RankBy by : values()) {
                if (by.name().equalsIgnoreCase(name)) {
                    return by;
                }
            }
            throw new IllegalArgumentException("cannot rank by '" + name + "'; use count or sum");
        }
    }

    /** The last {@code count} buckets up to and including the one holding {@code now}. */
    public List<Row> last(Subject subject, Granularity granularity, int count, Instant now, boolean fillGaps) {
        if (count < 1 || count > MAX_BUCKETS) {
            throw new IllegalArgumentException("the number of buckets must be between 1 and " + MAX_BUCKETS + ", got " + count);
        }
        return rows(subject, Bucket.last(granularity, count, now, zoneOf(subject)), fillGaps);
    }

    /** The period of {@code period} granularity holding {@code at}, by its {@code finer} buckets. */
    public List<Row> breakDown(Subject subject, Granularity period, Instant at, Granularity finer, boolean fillGaps) {
        if (!period.canBreakDown(finer)) {
            throw new IllegalArgumentException("a " + period.wireName() + " cannot be broken down by " + finer.wireName());
        }
        return rows(subject, period.bucketOf(at, zoneOf(subject)).breakDown(finer), fillGaps);
    }

    /** The buckets from the one holding {@code from} to the one holding the instant before {@code to}. */
    public List<Row> range(Subject subject, Granularity granularity, Instant from, Instant to, boolean fillGaps) {
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("'to' (" + to + ") must be after 'from' (" + from + ")");
        }
        ZoneId zone = zoneOf(subject);
        Bucket first = granularity.bucketOf(from, zone);
        Bucket last = granularity.bucketOf(to.minusNanos(1), zone);
        // Refuse before listing buckets: a from/to of centuries by hour must not be materialised.
        long approximate = java.time.Duration.between(first.startInstant(), last.endInstant()).toHours()
                / Math.max(1, first.length().toHours());
        if (approximate > MAX_BUCKETS) {
            throw new IllegalArgumentException("the range spans more than " + MAX_BUCKETS + " " + granularity.wireName()
                    + " buckets; narrow it or use a coarser granularity");
        }
        return rows(subject, Bucket.between(granularity, from, to, zone), fillGaps);
    }

    /** The {@code n} records with the highest count or sum in the bucket holding {@code at}, best first. */
    public List<Ranked> top(String resource, String field, Granularity granularity, Instant at, int n, RankBy by) {
        check(Subject.resource(resource, field));
        if (n < 1 || n > 1000) {
            throw new IllegalArgumentException("top takes between 1 and 1000 records, got " + n);
        }
        Instant start = granularity.bucketOf(at, settings.zoneOf(resource)).startInstant();
        Comparator<Ranked> order = by == RankBy.COUNT
                ? Comparator.comparingLong((Ranked ranked) -> ranked.metrics().count())
                : Comparator.comparing((Ranked ranked) -> ranked.metrics().sum());
        // Ties go to the smaller id, so the answer does not depend on the order partitions are read.
        order = order.thenComparing(Ranked::id, Comparator.reverseOrder());
        PriorityQueue<Ranked> best = new PriorityQueue<>(order);
        records.ofBucket(resource, field, granularity, start, (id, metrics) -> {
            best.add(new Ranked(id, metrics.toMetrics()));
            if (best.size() > n) {
                best.poll();
            }
        });
        List<Ranked> ranked = new ArrayList<>(best);
        ranked.sort(order.reversed());
        return ranked;
    }

    private List<Row> rows(Subject subject, List<Bucket> buckets, boolean fillGaps) {
        check(subject);
        if (buckets.size() > MAX_BUCKETS) {
            throw new IllegalArgumentException("the query spans " + buckets.size() + " buckets, more than " + MAX_BUCKETS);
        }
        Metrics[] found = subject.id() == null ? resourcePartials(subject, buckets)
                : records.ofRecord(subject.resource(), subject.field(), subject.id(), buckets);
        List<Row> rows = new ArrayList<>(buckets.size());
        for (int i = 0; i < buckets.size(); i++) {
            if (found[i] != null) {
                rows.add(new Row(buckets.get(i), found[i]));
            } else if (fillGaps) {
                rows.add(new Row(buckets.get(i), Metrics.EMPTY));
            }
        }
        return rows;
    }

    /** One range scan over the run of buckets in every partition, merged by bucket. */
    private Metrics[] resourcePartials(Subject subject, List<Bucket> buckets) {
        if (buckets.isEmpty()) {
            return new Metrics[0];
        }
        // Merged in place: a year by day over 12 partitions is 4,392 partials.
        MutableMetrics[] merged = new MutableMetrics[buckets.size()];
        long[] starts = new long[buckets.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = buckets.get(i).startInstant().getEpochSecond();
        }
        Granularity granularity = buckets.get(0).granularity();
        String from = AnalyticsKeys.resource(subject.resource(), subject.field(), granularity, buckets.get(0).startInstant());
        String to = AnalyticsKeys.resource(subject.resource(), subject.field(), granularity,
                buckets.get(buckets.size() - 1).startInstant());
        stores.range(from, to, (key, value) -> {
            int index = Arrays.binarySearch(starts, AnalyticsKeys.startSecondOf(key));
            if (index >= 0) {
                MutableMetrics partial = MetricsCodec.decodeMutable(value);
                if (merged[index] == null) {
                    merged[index] = partial;
                } else {
                    merged[index].add(partial);
                }
            }
        });
        Metrics[] result = new Metrics[merged.length];
        for (int i = 0; i < merged.length; i++) {
            result[i] = merged[i] == null ? null : merged[i].toMetrics();
        }
        return result;
    }

    /** How many stored values of records top-N has left out because they could not be read; each such key is logged once. */
    public long unreadableSkipped() {
        return records.unreadableSkipped();
    }

    private ZoneId zoneOf(Subject subject) {
        return settings.zoneOf(subject.resource());
    }

    private void check(Subject subject) {
        ResourceSpec resource = resources.get(subject.resource());
        if (resource == null) {
            throw new NotFound("UNKNOWN_RESOURCE", "unknown resource '" + subject.resource() + "'; resources are "
                    + new java.util.TreeSet<>(resources.keySet()));
        }
        if (resource.field(subject.field()) == null) {
            throw new NotFound("UNKNOWN_FIELD", "field '" + subject.field() + "' is not tracked on " + subject.resource()
                    + "; its fields are " + resource.fields().keySet());
        }
        if (!settings.kept(subject.resource())) {
            throw new NotFound("NO_ANALYTICS", "analytics of " + subject.resource() + " are not kept (resources."
                    + subject.resource() + ".analytics, or analytics.enabled when the resource does not say, is false)");
        }
    }

    /** A query of something that has no analytics: an unknown resource or field, or one whose analytics are off. */
    public static final class NotFound extends IllegalArgumentException {
        private final String code;

        NotFound(String code, String message) {
            super(message);
            this.code = code;
        }

        /** UNKNOWN_RESOURCE, UNKNOWN_FIELD or NO_ANALYTICS. */
        public String code() {
            return code;
        }
    }
}
