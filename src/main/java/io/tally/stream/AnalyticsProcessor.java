package io.tally.stream;

import io.tally.analytics.Aggregator;
import io.tally.analytics.AnalyticsKeys;
import io.tally.analytics.Granularity;
import io.tally.analytics.AnalyticsSettings;
import io.tally.ledger.Transaction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

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

    private final AnalyticsSettings settings;
    private final Aggregator aggregator;
    private final Collection<String> fieldsOfResources;

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
        context.schedule(settings.purgeInterval(), PunctuationType.WALL_CLOCK_TIME, this::purge);
    }

    @Override
    public void process(Record<String, Transaction> record) {
        aggregator.apply(record.value(), Instant.ofEpochMilli(context.currentSystemTimeMs()), store);
    }

    /**
     * Drops every bucket that ended longer ago than its granularity's retention, and every bucket of
     * a resource whose analytics have been turned off.
     */
    private void purge(long wallClockMs) {
        // Staged changes are written first, so the ranges below see every bucket.
        store.flushCache();
        Instant now = Instant.ofEpochMilli(wallClockMs);
        List<String> expired = new ArrayList<>();
        for (String resourceField : fieldsOfResources) {
            int bar = resourceField.indexOf('|');
            String resource = resourceField.substring(0, bar);
            String field = resourceField.substring(bar + 1);
            boolean kept = settings.kept(resource);
            for (Granularity granularity : Granularity.values()) {
                // A bucket whose start is before the cut-off's bucket start has ended before the cut-off.
                Instant cutoff = now.minus(settings.retention().get(granularity));
                Instant before = kept ? granularity.bucketOf(cutoff, settings.zoneOf(resource)).startInstant() : Instant.MAX;
                for (char kind : new char[] {'r', 'i'}) {
                    String[] range = kept ? AnalyticsKeys.before(kind, resource, field, granularity, before)
                            : AnalyticsKeys.all(kind, resource, field, granularity);
                    try (KeyValueIterator<String, byte[]> old = store.range(range[0], range[1])) {
                        // The range's end is inclusive and is itself the key of the first bucket kept.
                        while (old.hasNext() && expired.size() < MAX_DROPPED_PER_PURGE) {
                            KeyValue<String, byte[]> entry = old.next();
                            if (AnalyticsKeys.startOf(entry.key).isBefore(before)) {
                                expired.add(entry.key);
                            }
                        }
                    }
                }
            }
        }
        expired.forEach(store::delete);
    }
}
