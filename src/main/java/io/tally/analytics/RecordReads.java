package io.tally.analytics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Reads records' metrics of buckets. A record's metrics of a bucket are in its open buckets
 * ({@link OpenBuckets}) while the bucket is open, and under the bucket's own key once closed. The
 * two are different keys, read one after the other while the stream goes on writing, not in one
 * snapshot: a bucket can close, or be taken back into the open buckets, between the reads. So the
 * open buckets are read before the bucket's own key and again after, and {@link #settle} counts
 * each bucket once from the three reads.
 */
final class RecordReads {
    /** The most keys that cannot be read this instance logs, each once. */
    private static final int MAX_UNREADABLE_LOGGED = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(RecordReads.class);

    private final PartialStores stores;
    private final Set<String> unreadableLogged = ConcurrentHashMap.newKeySet();
    private final LongAdder unreadableSkipped = new LongAdder();

    RecordReads(PartialStores stores) {
        this.stores = stores;
    }

    /**
     * One record's metrics of each bucket (null where none), read where the record lives: a point
     * read per bucket between two reads of the record's open buckets.
     */
    Metrics[] ofRecord(String resource, String field, String id, List<Bucket> buckets) {
        Metrics[] found = new Metrics[buckets.size()];
        PartialStores.Partition owner = stores.ownerOf(resource, id);
        String openKey = AnalyticsKeys.open(resource, field, id);
        byte[] openBefore = owner.get(openKey);
        String[] keys = new String[found.length];
        byte[][] closed = new byte[found.length][];
        for (int i = 0; i < found.length; i++) {
            Bucket bucket = buckets.get(i);
            keys[i] = AnalyticsKeys.record(resource, field, bucket.granularity(), bucket.startInstant(), id);
            closed[i] = owner.get(keys[i]);
        }
        byte[] openAfter = owner.get(openKey);
        for (int i = 0; i < found.length; i++) {
            Bucket bucket = buckets.get(i);
            String key = keys[i];
            MutableMetrics metrics = settle(openIn(openKey, openBefore, bucket), closedIn(key, closed[i]),
                    openIn(openKey, openAfter, bucket), () -> closedIn(key, owner.get(key)));
            found[i] = metrics == null ? null : metrics.toMetrics();
        }
        return found;
    }

    /**
     * Every record's metrics of one bucket, one partition at a time, so no more than one
     * partition's records are held at once (a record lives in one partition). In each: the open
     * buckets of every record of the field, then the bucket's closed records. A bucket that closes
     * in between is then seen in both reads, never in neither; only when some record is seen in
     * both are the open buckets read again. A bucket of an earlier version of Tally taken back into
     * a record's open buckets between the two reads is missed by that one query. A record whose
     * stored value cannot be read is left out.
     */
    void ofBucket(String resource, String field, Granularity granularity, Instant start,
                  BiConsumer<String, MutableMetrics> each) {
        for (PartialStores.Partition partition : stores.everyPartition()) {
            ofBucket(partition, resource, field, granularity, start).forEach(each);
        }
    }

    private Map<String, MutableMetrics> ofBucket(PartialStores.Partition partition, String resource, String field,
                                                 Granularity granularity, Instant start) {
        Map<String, MutableMetrics> openBefore = openRecords(partition, resource, field, granularity, start);
        Map<String, MutableMetrics> closed = closedRecords(partition, resource, field, granularity, start);
        if (Collections.disjoint(openBefore.keySet(), closed.keySet())) {
            openBefore.putAll(closed);
            return openBefore;
        }
        Map<String, MutableMetrics> openAfter = openRecords(partition, resource, field, granularity, start);
        boolean closedMeanwhile = false;
        for (String id : openBefore.keySet()) {
            closedMeanwhile |= closed.containsKey(id) && !openAfter.containsKey(id);
        }
        Map<String, MutableMetrics> closedAgain = closedMeanwhile
                ? closedRecords(partition, resource, field, granularity, start) : Map.of();
        Set<String> ids = new HashSet<>(openBefore.keySet());
        ids.addAll(closed.keySet());
        ids.addAll(openAfter.keySet());
        Map<String, MutableMetrics> settled = new HashMap<>();
        for (String id : ids) {
            MutableMetrics metrics = settle(openBefore.get(id), closed.get(id), openAfter.get(id), () -> closedAgain.get(id));
            if (metrics != null) {
                settled.put(id, metrics);
            }
        }
        return settled;
    }

    /** How many stored values {@link #ofBucket} has left out because they could not be read. */
    long unreadableSkipped() {
        return unreadableSkipped.sum();
    }

    /**
     * One record's metrics of a bucket from its open buckets read before and after the bucket's
     * own key. A bucket open in both reads was open all along, so what its key holds is another
     * part of it (left by an earlier version of Tally) and both add. A bucket opened in between
     * holds what its key held. A bucket closed in between may have been closed before its key was
     * read or after, so the key is read again: once closed, it holds everything.
     */
    private static MutableMetrics settle(MutableMetrics openBefore, MutableMetrics closed, MutableMetrics openAfter,
                                         Supplier<MutableMetrics> closedAgain) {
        if (openAfter != null) {
            return openBefore != null && closed != null ? closed.addSameRecord(openAfter) : openAfter;
        }
        if (openBefore != null && closed != null) {
            return closedAgain.get();
        }
        return openBefore != null ? openBefore : closed;
    }

    private Map<String, MutableMetrics> openRecords(PartialStores.Partition partition, String resource, String field,
                                                    Granularity granularity, Instant start) {
        Map<String, MutableMetrics> byId = new HashMap<>();
        String[] opens = AnalyticsKeys.opens(resource, field);
        long second = start.getEpochSecond();
        partition.range(opens[0], opens[1], (key, value) -> {
            try {
                MutableMetrics open = OpenBuckets.metricsOf(value, granularity, second);
                if (open != null) {
                    byId.put(AnalyticsKeys.idOfOpen(key), open);
                }
            } catch (IllegalArgumentException e) {
                skip(key, e);
            }
        });
        return byId;
    }

    private Map<String, MutableMetrics> closedRecords(PartialStores.Partition partition, String resource, String field,
                                                      Granularity granularity, Instant start) {
        Map<String, MutableMetrics> byId = new HashMap<>();
        partition.range(AnalyticsKeys.recordsStart(resource, field, granularity, start),
                AnalyticsKeys.recordsEnd(resource, field, granularity, start), (key, value) -> {
                    try {
                        byId.put(AnalyticsKeys.idOf(key), MetricsCodec.decodeMutable(value));
                    } catch (IllegalArgumentException e) {
                        skip(key, e);
                    }
                });
        return byId;
    }

    /** One unreadable value must not fail the ranking of every record of its field. */
    private void skip(String key, IllegalArgumentException error) {
        unreadableSkipped.increment();
        if (unreadableLogged.size() < MAX_UNREADABLE_LOGGED && unreadableLogged.add(key)) {
            LOG.warn("analytics queries leave out {}: its stored value cannot be read ({})", key, error.getMessage());
        }
    }

    private static MutableMetrics openIn(String key, byte[] open, Bucket bucket) {
        try {
            return open == null ? null
                    : OpenBuckets.metricsOf(open, bucket.granularity(), bucket.startInstant().getEpochSecond());
        } catch (IllegalArgumentException e) {
            throw unreadable(key, e);
        }
    }

    private static MutableMetrics closedIn(String key, byte[] value) {
        try {
            return value == null ? null : MetricsCodec.decodeMutable(value);
        } catch (IllegalArgumentException e) {
            throw unreadable(key, e);
        }
    }

    /** A record's own series cannot leave a value out: it fails, as a broken store rather than a bad question. */
    private static IllegalStateException unreadable(String key, IllegalArgumentException error) {
        return new IllegalStateException("the analytics stored under " + key + " cannot be read: " + error.getMessage(), error);
    }
}
