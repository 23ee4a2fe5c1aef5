package io.tally.stream;

import io.tally.analytics.Aggregator;
import io.tally.analytics.AnalyticsKeys;
import io.tally.analytics.Granularity;
import io.tally.analytics.AnalyticsSettings;
import io.tally.analytics.OpenBuckets;
import io.tally.ledger.Transaction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps this task's partial analytics (DESIGN.md decision 7) by folding each transaction the
 * ledger accepted through the {@link Aggregator}. It runs in the ledger's task, so its writes
 * commit in the same Kafka transaction as the command; queries merge the partials of every
 * partition. Buckets past their retention are dropped on a wall-clock schedule.
 */
final class AnalyticsProcessor implements Processor<String, Transaction, Void, Void> {
    /**
     * The most buckets one purge drops; the rest wait for the next. Turning a large resource's
     * analytics off leaves millions of buckets, which must not all go in one Kafka transaction.
     */
    static final int MAX_DROPPED_PER_PURGE = 50_000;
    /** The most keys that cannot be read this task logs, each once. */
    private static final int MAX_UNREADABLE_LOGGED = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsProcessor.class);

    private final AnalyticsSettings settings;
    private final Aggregator aggregator;
    private final Collection<String> fieldsOfResources;
    /**
     * Per {@code resource|field}, the cut-offs of the last purge that read every record's open
     * buckets: until one of them moves (hourly at most), no open bucket can have newly passed its
     * retention, so the purge does not read them all again.
     */
    private final Map<String, long[]> openBucketsPurgedBefore = new HashMap<>();
    private final Set<String> unreadableLogged = new HashSet<>();

    private ProcessorContext<Void, Void> context;
    private MetricsStore store;

    /** @param fieldsOfResources every tracked field as {@code resource|field}, the ranges a purge visits */
    AnalyticsProcessor(AnalyticsSettings settings, Collection<String> fieldsOfResources) {
        this.settings = settings;
        this.aggregator = new Aggregator(settings);
        this.fieldsOfResources = List.copyOf(fieldsOfResources);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(TallyTopics.ANALYTICS_STORE);
        // A task initialized again may have lost the deletes of a purge it did not commit.
        openBucketsPurgedBefore.clear();
        context.schedule(settings.purgeInterval(), PunctuationType.WALL_CLOCK_TIME, this::purge);
    }

    @Override
    public void process(Record<String, Transaction> record) {
        aggregator.apply(record.value(), Instant.ofEpochMilli(context.currentSystemTimeMs()), store);
    }

    /**
     * Drops every bucket that ended longer ago than its granularity's retention, and every bucket of
     * a resource whose analytics have been turned off: closed buckets under their own keys, and
     * open ones from each record's open buckets.
     */
    private void purge(long wallClockMs) {
        // Staged changes are written first, so the ranges below see every bucket.
        store.flushCache();
        Instant now = Instant.ofEpochMilli(wallClockMs);
        int dropped = 0;
        for (String resourceField : fieldsOfResources) {
            int bar = resourceField.indexOf('|');
            String resource = resourceField.substring(0, bar);
            String field = resourceField.substring(bar + 1);
            boolean kept = settings.kept(resource);
            // A bucket whose start is before the cut-off's bucket start has ended before the cut-off.
            long[] before = new long[Granularity.values().length];
            for (Granularity granularity : Granularity.values()) {
                Instant cutoff = now.minus(settings.retention().get(granularity));
                before[granularity.ordinal()] = kept
                        ? granularity.bucketOf(cutoff, settings.zoneOf(resource)).startInstant().getEpochSecond()
                        : Long.MAX_VALUE;
                for (char kind : new char[] {'r', 'i'}) {
                    String[] range = kept
                            ? AnalyticsKeys.before(kind, resource, field, granularity, Instant.ofEpochSecond(before[granularity.ordinal()]))
                            : AnalyticsKeys.all(kind, resource, field, granularity);
                    dropped += dropClosed(range, before[granularity.ordinal()], MAX_DROPPED_PER_PURGE - dropped);
                }
            }
            if (!Arrays.equals(before, openBucketsPurgedBefore.get(resourceField))) {
                int most = MAX_DROPPED_PER_PURGE - dropped;
                int droppedOpen = dropOpen(AnalyticsKeys.opens(resource, field), before, most);
                dropped += droppedOpen;
                if (droppedOpen < most) {
                    openBucketsPurgedBefore.put(resourceField, before);
                }
            }
        }
    }

    /** Deletes up to {@code most} keys of a range whose bucket starts before {@code before}; returns how many. */
    private int dropClosed(String[] range, long before, int most) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> old = store.range(range[0], range[1])) {
            // The range's end is inclusive and is itself the key of the first bucket kept.
            while (old.hasNext() && expired.size() < most) {
                KeyValue<String, byte[]> entry = old.next();
                if (AnalyticsKeys.startSecondOf(entry.key) < before) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(store::delete);
        return expired.size();
    }

    /**
     * Drops, from the open buckets of every record in a range, each bucket that starts before its
     * granularity's {@code before}. A record's key whose buckets all go, or that holds none, is
     * deleted without decoding its metrics; a key that cannot be read is left as it is and logged.
     * Returns how many buckets (or empty keys) it dropped: all of them when fewer than {@code most},
     * else at least {@code most} (a record's buckets are dropped together).
     */
    private int dropOpen(String[] range, long[] before, int most) {
        List<String> emptied = new ArrayList<>();
        Map<String, List<Granularity>> expired = new LinkedHashMap<>();
        int count = 0;
        try (KeyValueIterator<String, byte[]> opens = store.range(range[0], range[1])) {
            while (opens.hasNext() && count < most) {
                KeyValue<String, byte[]> entry = opens.next();
                try {
                    List<Granularity> old = OpenBuckets.startingBefore(entry.value, before);
                    if (old.size() == OpenBuckets.size(entry.value)) {
                        emptied.add(entry.key);
                        count += Math.max(1, old.size());
                    } else if (!old.isEmpty()) {
                        expired.put(entry.key, old);
                        count += old.size();
                    }
                } catch (IllegalArgumentException e) {
                    unreadable(entry.key, e);
                }
            }
        }
        emptied.forEach(store::delete);
        expired.forEach((key, granularities) -> {
            try {
                OpenBuckets open = store.open(key);
                granularities.forEach(open::drop);
            } catch (IllegalArgumentException e) {
                unreadable(key, e);
            }
        });
        return count;
    }

    /** A stored value the purge cannot read stays as it is: logged once, never failing the purge (and the task) on every run. */
    private void unreadable(String key, IllegalArgumentException error) {
        if (unreadableLogged.size() < MAX_UNREADABLE_LOGGED && unreadableLogged.add(key)) {
            LOG.warn("the analytics purge leaves {} as it is: its stored value cannot be read ({})", key, error.getMessage());
        }
    }
}
