package io.tally.stream;

import io.tally.analytics.Aggregator;
import io.tally.analytics.Metrics;
import io.tally.analytics.MutableMetrics;
import io.tally.analytics.OpenBuckets;
import io.tally.analytics.StagedPartials;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The analytics store as its processor sees it: partial metrics kept decoded, changed in place in
 * memory, and written to the persistent, changelogged store below once per key per commit.
 *
 * <p>A transaction changes the resource's five buckets (one per granularity), which change with
 * every transaction of the field, and the record's open buckets, so writing each change through —
 * encode, serialize, cache, changelog — cost more than the ledger itself. Here a change is an
 * update of a decoded value ({@link StagedPartials}); the changed keys are written when Kafka Streams flushes the
 * task's caches, which it does before every commit, so they reach the changelog inside the same
 * Kafka transaction as the command that caused them. A task closed without a commit drops what it
 * staged, as its transaction is aborted too.
 *
 * <p>The pre-commit hook is Kafka Streams' {@link CachedStateStore} contract, the one its own
 * caching layer uses; the store below has caching off since this layer already conflates.
 * Interactive queries (IQv2, on other threads) go to the store below: they see what was last
 * flushed. Only the stream thread reads and writes through this layer.
 */
final class MetricsStore implements StateStore, CachedStateStore<String, byte[]>, Aggregator.Target {
    /** Clean metrics kept decoded after a flush (a record's open buckets count five), least recently used dropped first. */
    static final int RECENT_METRICS = 16_384;

    private final KeyValueStore<String, byte[]> below;
    private final StagedPartials staged;
    /** Writes what is staged below; run for every task of the thread at the first flush of a commit. */
    private final Runnable drainer = this::drain;
    private boolean flushedWithThread;

    MetricsStore(KeyValueStore<String, byte[]> below) {
        this.below = below;
        this.staged = new StagedPartials(below::get);
    }

    /** Builds the store from a builder of the store below, which must have caching disabled. */
    static StoreBuilder<MetricsStore> builder(StoreBuilder<KeyValueStore<String, byte[]>> below) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<MetricsStore> withCachingEnabled() {
                throw new UnsupportedOperationException("the metrics store is its own cache");
            }

            @Override
            public StoreBuilder<MetricsStore> withCachingDisabled() {
                below.withCachingDisabled();
                return this;
            }

            @Override
            public StoreBuilder<MetricsStore> withLoggingEnabled(Map<String, String> config) {
                below.withLoggingEnabled(config);
                return this;
            }

            @Override
            public StoreBuilder<MetricsStore> withLoggingDisabled() {
                below.withLoggingDisabled();
                return this;
            }

            @Override
            public MetricsStore build() {
                return new MetricsStore(below.build());
            }

            @Override
            public Map<String, String> logConfig() {
                return below.logConfig();
            }

            @Override
            public boolean loggingEnabled() {
                return below.loggingEnabled();
            }

            @Override
            public String name() {
                return below.name();
            }
        };
    }

    // Aggregator.Target: the stream thread's view; changes are written below at the next flush.

    @Override
    public MutableMetrics update(String key) {
        flushWithThread();
        return staged.update(key);
    }

    @Override
    public OpenBuckets open(String key) {
        flushWithThread();
        return staged.open(key);
    }

    @Override
    public MutableMetrics take(String key) {
        flushWithThread();
        return staged.take(key);
    }

    /** Joins the flushes of the stream thread that stages here, the one that commits this task. */
    private void flushWithThread() {
        if (!flushedWithThread) {
            ThreadFlushes.add(drainer);
            flushedWithThread = true;
        }
    }

    @Override
    public long epoch() {
        return staged.epoch();
    }

    /** The current metrics of a bucket's key, changed or stored, or null, without marking it changed (tests look with it). */
    Metrics read(String key) {
        return staged.read(key);
    }

    /** A record's current open buckets, changed or stored, or null, without marking them changed. */
    OpenBuckets readOpen(String key) {
        return staged.readOpen(key);
    }

    // CachedStateStore: Kafka Streams calls flushCache before each commit.

    @Override
    public void flushCache() {
        ThreadFlushes.flushAll();
        drain();
    }

    private void drain() {
        if (!below.isOpen()) {
            return;
        }
        staged.drain(entries -> {
            List<KeyValue<String, byte[]>> pairs = new ArrayList<>(entries.size());
            entries.forEach(entry -> pairs.add(KeyValue.pair(entry.getKey(), entry.getValue())));
            below.putAll(pairs);
        });
        staged.keepRecent(RECENT_METRICS);
    }

    @Override
    public void clearCache() {
        staged.clear();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<String, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    // StateStore

    @Override
    public String name() {
        return below.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        clearCache();
        below.init(context, root);
    }

    @Override
    public void flush() {
        below.flush();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        below.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return below.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return below.managesOffsets();
    }

    @Override
    public void close() {
        ThreadFlushes.remove(drainer);
        flushedWithThread = false;
        clearCache();
        below.close();
    }

    @Override
    public boolean persistent() {
        return below.persistent();
    }

    @Override
    public boolean isOpen() {
        return below.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return below.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return below.getPosition();
    }

    // For the processor's purge: the flushed entries, and deletes written at the next flush.

    KeyValueIterator<String, byte[]> range(String from, String to) {
        return below.range(from, to);
    }

    void delete(String key) {
        staged.remove(key);
    }
}
