package io.tally.stream;

import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A dedupe lookup of a transaction id, as the ledger makes one for every command carrying an id
 * (every REST write): by period ({@link RememberedTxIds}, point reads) against the range of times
 * earlier versions read, on RocksDB window stores holding {@code remembered} ids already flushed to
 * files, configured as the service configures them ({@link BoundedRocksDB}), and on one whose
 * {@code recent} ids are all still in its memtable. Run with
 * {@code mvn -B -ntp -Pjmh test-compile exec:exec -Djmh.args="-f 1 -wi 3 -i 5 DedupeLookup"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DedupeLookupBenchmark {
    private static final Duration HORIZON = Duration.ofHours(24);
    private static final long NOW = 1_795_000_000_000L;

    @Param({"200000"})
    public int remembered;

    /** Ids still in the store's memtable, not yet flushed to a file: a busy partition's last seconds. */
    @Param({"10000"})
    public int recent;

    private Path dir;
    private WindowStore<String, Outcome> periods;
    private WindowStore<String, Outcome> legacy;
    private WindowStore<String, Outcome> emptyLegacy;
    private RememberedTxIds byPeriod;
    private WindowStore<String, Outcome> recentPeriods;
    private WindowStore<String, Outcome> recentLegacy;
    private RememberedTxIds inMemtable;
    private long next;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = Files.createTempDirectory("tally-dedupe-bench");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tally-bench");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDB.class);
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(props, new TaskId(0, 0), dir.toFile());
        context.setCurrentSystemTimeMs(NOW);
        periods = opened(context, TallyTopology.dedupePeriods(HORIZON));
        emptyLegacy = opened(context, TallyTopology.legacyDedupe(HORIZON));
        byPeriod = new RememberedTxIds(HORIZON);
        byPeriod.init(context);

        MockProcessorContext<Object, Object> earlier = new MockProcessorContext<>(props, new TaskId(0, 1), dir.toFile());
        legacy = opened(earlier, TallyTopology.legacyDedupe(HORIZON));
        for (int i = 0; i < remembered; i++) {
            // Ids of the last half hour, as a busy partition holds them.
            long at = NOW - 1_800_000 + i * (1_800_000L / remembered);
            byPeriod.put(key(i), Outcome.applied(i), at);
            legacy.put(key(i), Outcome.applied(i), at);
        }
        periods.flush();
        legacy.flush();

        MockProcessorContext<Object, Object> busy = new MockProcessorContext<>(props, new TaskId(0, 2),
                Files.createDirectory(dir.resolve("busy")).toFile());
        busy.setCurrentSystemTimeMs(NOW);
        recentPeriods = opened(busy, TallyTopology.dedupePeriods(HORIZON));
        recentLegacy = opened(busy, TallyTopology.legacyDedupe(HORIZON));
        inMemtable = new RememberedTxIds(HORIZON);
        inMemtable.init(busy);
        for (int i = 0; i < recent; i++) {
            inMemtable.put(key(i), Outcome.applied(i), NOW - 10_000 + i * (10_000L / recent));
        }
    }

    private static WindowStore<String, Outcome> opened(MockProcessorContext<Object, Object> context,
                                                       StoreBuilder<WindowStore<String, Outcome>> builder) {
        WindowStore<String, Outcome> store = builder.withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    private static String key(long i) {
        return "wallets/w" + (i % 10_000) + "|bench-" + i;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        periods.close();
        recentPeriods.close();
        recentLegacy.close();
        emptyLegacy.close();
        legacy.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** A new id (most are): by period, two point reads the bloom filters answer. */
    @Benchmark
    public Outcome newIdByPeriod() {
        return byPeriod.get(key(remembered + next++), NOW);
    }

    /** A new id, the ids remembered in the last seconds still in the memtable. */
    @Benchmark
    public Outcome newIdRecentInMemtable() {
        return inMemtable.get(key(recent + next++), NOW);
    }

    /** A new id as earlier versions looked it up: a range of times, an iterator seeking into every file. */
    @Benchmark
    public Outcome newIdByRange() {
        return latest(key(remembered + next++));
    }

    /** A repeat: by period. */
    @Benchmark
    public Outcome repeatByPeriod() {
        return byPeriod.get(key(next++ % remembered), NOW);
    }

    /** A repeat, by a range of times. */
    @Benchmark
    public Outcome repeatByRange() {
        return latest(key(next++ % remembered));
    }

    private Outcome latest(String key) {
        Outcome latest = null;
        try (WindowStoreIterator<Outcome> seen = legacy.fetch(key, NOW - HORIZON.toMillis(), NOW)) {
            while (seen.hasNext()) {
                latest = seen.next().value;
            }
        }
        return latest;
    }
}
