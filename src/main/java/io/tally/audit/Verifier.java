package io.tally.audit;

import io.tally.analytics.Aggregator;
import io.tally.analytics.StagedPartials;
import io.tally.analytics.AnalyticsKeys;
import io.tally.analytics.Bucket;
import io.tally.analytics.Granularity;
import io.tally.analytics.Metrics;
import io.tally.config.Settings;
import io.tally.kafka.TopicReader;
import io.tally.ledger.Ledger;
import io.tally.ledger.Op;
import io.tally.ledger.RecordState;
import io.tally.ledger.Transaction;
import io.tally.stream.ChangelogPartials;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Checks a deployment against its audit log: reads {@code tally.transactions} from the start,
 * replays every record's transactions through the pure ledger and compares the result with the
 * published records ({@code tally.records}) and with the committed partial analytics (the analytics
 * store's changelog). Every transaction must follow its predecessor (sequence without gap or
 * repeat, {@code before} equal to the replayed value, no transaction id applied twice), every
 * record must equal its replay, and every analytics partial must equal the fold of its
 * partition's transactions.
 *
 * <p>All three are read committed; run it while no commands flow (or after they stopped), since a
 * transaction committed between reading the log and reading the records would show as a difference.
 */
public final class Verifier {
    /** Differences listed in full at most; the count is always complete. */
    static final int MAX_LISTED = 100;

    private final Settings settings;
    private final String bootstrap;
    private final Duration timeout;

    public Verifier(Settings settings, String bootstrap, Duration timeout) {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.timeout = timeout;
    }

    /**
     * What the check found.
     *
     * @param fieldTotals per {@code resource.field}, the sum over live replayed records, which equals
     *                    the sum of every transaction's change of the field
     */
    public record Report(long transactions, long records, long analyticsEntries, long differenceCount,
                         List<String> differences, Map<String, BigDecimal> fieldTotals) {
        public boolean clean() {
            return differenceCount == 0;
        }
    }

    /** @param progress told the number of transactions read so far, now and then */
    public Report verify(LongConsumer progress) {
        Ledger ledger = new Ledger(settings.resources(), settings.maxPendingPerRecord());
        Differences differences = new Differences();
        Map<String, RecordState> replayed = new HashMap<>();
        Set<String> txIds = new HashSet<>();
        Instant now = Instant.now();
        Aggregator aggregator = new Aggregator(settings.analytics());
        List<StagedPartials> analytics = new ArrayList<>();
        long[] count = new long[1];

        int partitions = TopicReader.readAll(settings.kafkaClient(bootstrap), TallyTopics.TRANSACTIONS, timeout, record -> {
            int partition = record.partition();
            while (analytics.size() <= partition) {
                analytics.add(StagedPartials.inMemory());
            }
            Transaction transaction = TallyTopology.TRANSACTION_SERDE.deserialize(TallyTopics.TRANSACTIONS, record.value());
            String key = transaction.key();
            if (!key.equals(record.key())) {
                differences.add("transaction " + transaction.txId() + " of " + key + " is keyed " + record.key());
            }
            if (!txIds.add(key + "|" + transaction.txId())) {
                differences.add(key + ": txId " + transaction.txId() + " was applied more than once");
            }
            RecordState state = replayed.getOrDefault(key, RecordState.absent(transaction.resource(), transaction.id()));
            if (transaction.sequence() != state.version() + 1) {
                differences.add(key + ": transaction " + transaction.txId() + " has sequence " + transaction.sequence()
                        + " after version " + state.version() + (transaction.sequence() <= state.version()
                        ? " (a repeat)" : " (a gap)"));
                return;
            }
            if (transaction.field() != null && state.live()
                    && !Objects.equals(transaction.before(), state.value(transaction.field()))) {
                differences.add(key + ": transaction " + transaction.sequence() + " starts from " + transaction.field()
                        + " = " + transaction.before() + " but the replay has " + state.value(transaction.field()));
            }
            replayed.put(key, ledger.evolve(state, transaction));
            aggregator.apply(transaction, now, analytics.get(partition));
            if (++count[0] % 10_000 == 0) {
                progress.accept(count[0]);
            }
        });
        progress.accept(count[0]);

        Map<String, byte[]> published = new HashMap<>();
        TopicReader.readAll(settings.kafkaClient(bootstrap), TallyTopics.RECORDS, timeout, record -> published.put(record.key(), record.value()));
        compareRecords(replayed, published, differences);

        long analyticsEntries = compareAnalytics(analytics, partitions, now, differences);
        return new Report(count[0], replayed.size(), analyticsEntries, differences.count, differences.listed,
                totals(replayed));
    }

    private static void compareRecords(Map<String, RecordState> replayed, Map<String, byte[]> published,
                                       Differences differences) {
        for (Map.Entry<String, RecordState> entry : replayed.entrySet()) {
            RecordState expected = entry.getValue();
            byte[] json = published.get(entry.getKey());
            if (!expected.live()) {
                if (json != null) {
                    differences.add(entry.getKey() + ": deleted in the audit log but published as "
                            + new String(json, java.nio.charset.StandardCharsets.UTF_8));
                }
                continue;
            }
            RecordState actual = json == null ? null : TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, json);
            if (actual == null) {
                differences.add(entry.getKey() + ": live in the audit log (version " + expected.version()
                        + ") but not published");
            } else if (!actual.equals(expected)) {
                differences.add(entry.getKey() + ": published " + describe(actual) + " but the audit log replays to "
                        + describe(expected));
            }
        }
        for (String key : published.keySet()) {
            if (published.get(key) != null && !replayed.containsKey(key)) {
                differences.add(key + ": published but has no transaction in the audit log");
            }
        }
    }

    /** Compares bucket by bucket, so it does not matter which buckets a record still has open. */
    private long compareAnalytics(List<StagedPartials> replayed, int partitions, Instant now,
                                  Differences differences) {
        var stored = ChangelogPartials.read(settings.kafkaClient(bootstrap), settings.applicationId(), timeout);
        long compared = 0;
        for (int partition = 0; partition < partitions; partition++) {
            Map<String, Metrics> expected = partition < replayed.size()
                    ? StagedPartials.logical(replayed.get(partition).written()) : Map.of();
            Map<String, Metrics> actual = new TreeMap<>(partition < stored.partitionCount()
                    ? StagedPartials.logical(stored.entries(partition)) : Map.of());
            actual.keySet().removeIf(key -> expired(key, now));
            for (Map.Entry<String, Metrics> entry : expected.entrySet()) {
                compared++;
                Metrics found = actual.remove(entry.getKey());
                Metrics folded = entry.getValue();
                if (!same(found, folded)) {
                    differences.add("analytics " + entry.getKey() + " of partition " + partition + ": stored "
                            + found + " but the audit log folds to " + folded);
                }
            }
            actual.keySet().forEach(key -> differences.add("analytics " + key + ": stored but no transaction of the "
                    + "audit log falls in it"));
        }
        return compared;
    }

    /**
     * Whether a stored partial is past retention, or of a resource whose analytics were turned off:
     * the purge drops both on its own schedule.
     */
    private boolean expired(String key, Instant now) {
        if (!settings.analytics().kept(AnalyticsKeys.resourceOf(key))) {
            return true;
        }
        Granularity granularity = AnalyticsKeys.granularityOf(key);
        Bucket bucket = granularity.bucketOf(AnalyticsKeys.startOf(key), settings.analytics().zoneOf(AnalyticsKeys.resourceOf(key)));
        return new Aggregator(settings.analytics()).expired(bucket, now);
    }

    private static boolean same(Metrics a, Metrics b) {
        return a != null && b != null && a.count() == b.count() && a.records() == b.records()
                && a.sum().compareTo(b.sum()) == 0 && equal(a.min(), b.min()) && equal(a.max(), b.max())
                && a.byOp().keySet().equals(b.byOp().keySet())
                && a.byOp().entrySet().stream().allMatch(e -> e.getValue().count() == b.byOp().get(e.getKey()).count()
                && e.getValue().sum().compareTo(b.byOp().get(e.getKey()).sum()) == 0);
    }

    private static boolean equal(BigDecimal a, BigDecimal b) {
        return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }

    private static Map<String, BigDecimal> totals(Map<String, RecordState> replayed) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        for (RecordState state : replayed.values()) {
            if (state.live()) {
                state.fields().forEach((field, value) -> totals.merge(state.resource() + "." + field, value, BigDecimal::add));
            }
        }
        return totals;
    }

    private static String describe(RecordState state) {
        return (state.live() ? "" : "deleted ") + state.fields() + " version " + state.version() + " changes "
                + state.changes();
    }

    private static final class Differences {
        final List<String> listed = new ArrayList<>();
        long count;

        void add(String difference) {
            count++;
            if (listed.size() < MAX_LISTED) {
                listed.add(difference);
            }
        }
    }
}
