package io.tally.analytics;

import io.tally.analytics.AnalyticsQueries.RankBy;
import io.tally.analytics.AnalyticsQueries.Ranked;
import io.tally.analytics.AnalyticsQueries.Row;
import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.ledger.Catalogs;
import io.tally.ledger.Command;
import io.tally.ledger.Decision;
import io.tally.ledger.Ledger;
import io.tally.ledger.Op;
import io.tally.ledger.RecordState;
import io.tally.ledger.Transaction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A generated workload across both 2026 DST changes of Europe/Paris, folded into four partitions
 * by the {@link Aggregator}; every query must answer what a brute-force recomputation from the
 * transactions gives.
 */
class AnalyticsQueriesTest {
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    static final int PARTITIONS = 4;
    static final Instant NOW = Instant.parse("2026-12-31T12:00:00Z");
    static final Map<Granularity, Duration> KEEP_ALL = Map.of(Granularity.HOUR, Duration.ofDays(3650),
            Granularity.DAY, Duration.ofDays(3650), Granularity.WEEK, Duration.ofDays(3650),
            Granularity.MONTH, Duration.ofDays(3650), Granularity.YEAR, Duration.ofDays(3650));
    static final AnalyticsSettings SETTINGS = new AnalyticsSettings(ZoneId.of("UTC"),
            Map.of("wallets", PARIS, "counters", PARIS), KEEP_ALL, Duration.ofMinutes(10));

    static final List<Transaction> log = new ArrayList<>();
    static AnalyticsQueries queries;

    @BeforeAll
    static void foldAGeneratedWorkload() {
        Ledger ledger = Catalogs.ledger();
        InMemoryPartials partials = new InMemoryPartials(PARTITIONS, AnalyticsQueriesTest::partitionOf);
        Aggregator aggregator = new Aggregator(SETTINGS);
        Map<String, RecordState> states = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        // Around the spring-forward (29 March) and fall-back (25 October) of 2026 in Paris, plus the year end.
        Instant[] windows = {Instant.parse("2026-03-27T00:00:00Z"), Instant.parse("2026-10-23T00:00:00Z"),
                Instant.parse("2026-12-30T00:00:00Z")};
        for (int i = 0; i < 6000; i++) {
            Instant at = windows[random.nextInt(windows.length)].plusSeconds(random.nextLong(5 * 24 * 3600));
            Command command = randomCommand(random, i, at);
            RecordState state = states.getOrDefault(command.key(), RecordState.absent(command.resource(), command.id()));
            Ledger.Step step = ledger.handle(state, List.of(), command, at);
            states.put(command.key(), step.state());
            for (Decision decision : step.decisions()) {
                if (decision instanceof Transaction transaction) {
                    log.add(transaction);
                    int partition = partitionOf(transaction.key());
                    // Through the stored bytes, as the stream's store does: the codec is part of what is checked.
                    StagedPartials touched = new StagedPartials(key -> partials.all().get(partition).get(key));
                    aggregator.apply(transaction, NOW, touched);
                    touched.drain(entries -> entries.forEach(entry -> partials.put(partition, entry.getKey(), entry.getValue())));
                }
            }
        }
        queries = new AnalyticsQueries(partials, ledger.resources(), SETTINGS);
        assertThat(log).hasSizeGreaterThan(4000);
    }

    @Test
    void aRecordsBucketFoundBothOpenAndClosedAddsUpAndIsOneRecord() {
        // As a rolling upgrade from a version that kept every bucket under its own key can leave it.
        InMemoryPartials partials = new InMemoryPartials(1, key -> 0);
        Instant start = Granularity.HOUR.bucketOf(Instant.parse("2026-03-27T10:20:00Z"), PARIS).startInstant();
        partials.put(0, AnalyticsKeys.record("wallets", "balance", Granularity.HOUR, start, "w1"),
                MetricsCodec.encode(oneChange("1")));
        OpenBuckets open = new OpenBuckets();
        open.open(Granularity.HOUR, start.getEpochSecond(), oneChange("2"));
        partials.put(0, AnalyticsKeys.open("wallets", "balance", "w1"), OpenBuckets.encode(open));
        AnalyticsQueries split = new AnalyticsQueries(partials, Catalogs.ledger().resources(), SETTINGS);

        Metrics hour = split.range(Subject.record("wallets", "balance", "w1"), Granularity.HOUR, start,
                start.plusSeconds(3600), false).get(0).metrics();
        List<Ranked> top = split.top("wallets", "balance", Granularity.HOUR, start, 10, RankBy.SUM);

        assertThat(hour.count()).isEqualTo(2);
        assertThat(hour.sum()).isEqualByComparingTo("3");
        assertThat(hour.records()).isEqualTo(1);
        assertThat(top).singleElement().satisfies(ranked -> {
            assertThat(ranked.id()).isEqualTo("w1");
            assertThat(ranked.metrics().sum()).isEqualByComparingTo("3");
            assertThat(ranked.metrics().records()).isEqualTo(1);
        });
    }

    @Test
    void aRecordsBucketThatClosesBetweenTheReadsOfTopNIsCountedOnce() {
        Instant tenish = Instant.parse("2026-03-27T10:20:00Z");
        Instant hour = Granularity.HOUR.bucketOf(tenish, PARIS).startInstant();
        OnePartition partition = new OnePartition();
        partition.apply(add("w1", "1", tenish));
        partition.apply(add("w2", "5", tenish.plusSeconds(60)));
        // w1's next change, an hour later, closes its hour while the query reads.
        partition.betweenReads(add("w1", "2", tenish.plusSeconds(3600)));

        List<Ranked> top = partition.queries().top("wallets", "balance", Granularity.HOUR, hour, 10, RankBy.SUM);

        assertThat(top).extracting(Ranked::id).containsExactly("w2", "w1");
        assertThat(top.get(1).metrics().count()).isEqualTo(1);
        assertThat(top.get(1).metrics().sum()).isEqualByComparingTo("1");
        assertThat(top.get(1).metrics().records()).isEqualTo(1);
    }

    @Test
    void aRecordsBucketThatClosesBetweenTheReadsOfItsSeriesIsCountedOnce() {
        Instant tenish = Instant.parse("2026-03-27T10:20:00Z");
        Instant hour = Granularity.HOUR.bucketOf(tenish, PARIS).startInstant();
        OnePartition partition = new OnePartition();
        partition.apply(add("w1", "1", tenish));
        partition.apply(add("w1", "2", tenish.plusSeconds(3600)));
        // The change after the next closes the second hour while the query reads.
        partition.betweenReads(add("w1", "4", tenish.plusSeconds(7200)));

        List<Row> hours = partition.queries().range(Subject.record("wallets", "balance", "w1"), Granularity.HOUR,
                hour, hour.plusSeconds(2 * 3600), true);

        assertThat(hours).extracting(row -> row.metrics().count()).containsExactly(1L, 1L);
        assertThat(hours).extracting(row -> row.metrics().sum().toPlainString()).containsExactly("1", "2");
    }

    @Test
    void aBucketTakenBackIntoARecordsOpenBucketsBetweenTheReadsOfItsSeriesIsStillCounted() {
        Instant tenish = Instant.parse("2026-03-27T10:20:00Z");
        Instant hour = Granularity.HOUR.bucketOf(tenish, PARIS).startInstant();
        OnePartition partition = new OnePartition();
        // Left under the hour's own key by a version that kept every bucket there.
        partition.put(AnalyticsKeys.record("wallets", "balance", Granularity.HOUR, hour, "w1"), oneChange("1"));
        partition.betweenReads(add("w1", "2", tenish.plusSeconds(60)));

        List<Row> hours = partition.queries().range(Subject.record("wallets", "balance", "w1"), Granularity.HOUR,
                hour, hour.plusSeconds(3600), true);

        assertThat(hours).singleElement().satisfies(row -> {
            assertThat(row.metrics().count()).isEqualTo(2);
            assertThat(row.metrics().sum()).isEqualByComparingTo("3");
        });
    }

    @Test
    void topNLeavesOutARecordWhoseStoredOpenBucketsCannotBeReadAndCountsIt() {
        Instant tenish = Instant.parse("2026-03-27T10:20:00Z");
        Instant hour = Granularity.HOUR.bucketOf(tenish, PARIS).startInstant();
        OnePartition partition = new OnePartition();
        partition.apply(add("w1", "1", tenish));
        partition.apply(add("w2", "5", tenish));
        partition.partials.put(0, AnalyticsKeys.open("wallets", "balance", "w2"),
                OpenBucketsTest.withScaleBeyondAnInt(Granularity.HOUR, hour.getEpochSecond()));
        AnalyticsQueries queries = partition.queries();

        List<Ranked> top = queries.top("wallets", "balance", Granularity.HOUR, hour, 10, RankBy.SUM);

        assertThat(top).extracting(Ranked::id).containsExactly("w1");
        assertThat(queries.unreadableSkipped()).isEqualTo(1);
        assertThatThrownBy(() -> queries.range(Subject.record("wallets", "balance", "w2"), Granularity.HOUR, hour,
                hour.plusSeconds(3600), true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(AnalyticsKeys.open("wallets", "balance", "w2")).hasMessageContaining("scale");
    }

    private static Transaction add(String id, String amount, Instant at) {
        BigDecimal change = new BigDecimal(amount);
        return new Transaction("t-" + id + "-" + at.toEpochMilli(), "wallets", id, Op.ADD, "balance", change, change,
                BigDecimal.ZERO, change, Map.of(), 1, at, at, null);
    }

    /**
     * One partition written as the stream writes it, through the {@link Aggregator}; a transaction can
     * be applied between a query's first read and its next, as the stream thread may at any time.
     */
    private static final class OnePartition implements PartialStores {
        final InMemoryPartials partials = new InMemoryPartials(1, key -> 0);
        private final Aggregator aggregator = new Aggregator(SETTINGS);
        private Transaction afterFirstRead;

        void apply(Transaction transaction) {
            StagedPartials staged = new StagedPartials(key -> partials.entries(0).get(key));
            aggregator.apply(transaction, NOW, staged);
            staged.drain(entries -> entries.forEach(entry -> partials.put(0, entry.getKey(), entry.getValue())));
        }

        void put(String key, MutableMetrics metrics) {
            partials.put(0, key, MetricsCodec.encode(metrics));
        }

        void betweenReads(Transaction transaction) {
            afterFirstRead = transaction;
        }

        AnalyticsQueries queries() {
            return new AnalyticsQueries(this, Catalogs.ledger().resources(), SETTINGS);
        }

        @Override
        public List<Partition> all() {
            return List.of(ownerOf("wallets", "any"));
        }

        @Override
        public Partition ownerOf(String resource, String id) {
            Partition below = partials.all().get(0);
            return new Partition() {
                @Override
                public byte[] get(String key) {
                    byte[] value = below.get(key);
                    afterRead();
                    return value;
                }

                @Override
                public void range(String from, String to, java.util.function.BiConsumer<String, byte[]> each) {
                    below.range(from, to, each);
                    afterRead();
                }
            };
        }

        private void afterRead() {
            Transaction transaction = afterFirstRead;
            afterFirstRead = null;
            if (transaction != null) {
                apply(transaction);
            }
        }
    }

    private static MutableMetrics oneChange(String amount) {
        MutableMetrics metrics = new MutableMetrics();
        metrics.add(Op.ADD, new BigDecimal(amount));
        metrics.addRecord();
        return metrics;
    }

    static int partitionOf(String recordKey) {
        return Math.floorMod(recordKey.hashCode(), PARTITIONS);
    }

    private static Command randomCommand(SplittableRandom random, int i, Instant at) {
        String tx = "t" + i;
        if (random.nextInt(10) < 3) {
            String id = "c" + random.nextInt(30);
            Op op = random.nextBoolean() ? Op.INCREMENT : Op.ADD;
            String field = random.nextBoolean() ? "stats.clicks" : "stats.views";
            return new Command(op, "counters", id, field, op == Op.ADD ? String.valueOf(1 + random.nextInt(9)) : null,
                    tx, true, at, null, Map.of());
        }
        String id = "w" + random.nextInt(40);
        int roll = random.nextInt(100);
        if (roll < 8) {
            return new Command(Op.CREATE, "wallets", id, null, null, tx, true, at, null,
                    Map.of("balance", random.nextInt(500) + ".25"));
        }
        if (roll < 10) {
            return new Command(Op.DELETE, "wallets", id, null, null, tx, true, at, null, Map.of());
        }
        Op op = roll < 60 ? Op.ADD : roll < 90 ? Op.SUB : Op.SET;
        String amount = (op == Op.SET ? random.nextInt(0, 300) : random.nextInt(1, 100)) + "." + random.nextInt(10, 100);
        return new Command(op, "wallets", id, "balance", amount, tx, true, at, null, Map.of());
    }

    static Metrics bruteForce(Subject subject, Bucket bucket) {
        return BruteForce.metrics(log, subject, bucket);
    }

    static void assertMatchesBruteForce(Subject subject, List<Row> rows, List<Bucket> expectedBuckets) {
        assertThat(rows).extracting(Row::bucket).containsExactlyElementsOf(expectedBuckets);
        for (Row row : rows) {
            assertThat(row.metrics()).as("%s %s", subject, row.bucket().label()).isEqualTo(bruteForce(subject, row.bucket()));
        }
    }

    @Test
    void everyHourOfBothDstDaysMatches() {
        for (String day : List.of("2026-03-29T12:00:00Z", "2026-10-25T12:00:00Z")) {
            for (Subject subject : List.of(Subject.resource("wallets", "balance"), Subject.record("wallets", "balance", "w3"),
                    Subject.resource("counters", "stats.clicks"))) {
                Bucket period = Granularity.DAY.bucketOf(Instant.parse(day), PARIS);
                List<Row> rows = queries.breakDown(subject, Granularity.DAY, Instant.parse(day), Granularity.HOUR, true);
                assertMatchesBruteForce(subject, rows, period.breakDown(Granularity.HOUR));
            }
        }
        assertThat(queries.breakDown(Subject.resource("wallets", "balance"), Granularity.DAY,
                Instant.parse("2026-03-29T12:00:00Z"), Granularity.HOUR, true)).hasSize(23);
        assertThat(queries.breakDown(Subject.resource("wallets", "balance"), Granularity.DAY,
                Instant.parse("2026-10-25T12:00:00Z"), Granularity.HOUR, true)).hasSize(25);
    }

    @Test
    void everyBreakDownOfEveryPeriodMatches() {
        Instant at = Instant.parse("2026-10-26T09:00:00Z");
        Subject wallets = Subject.resource("wallets", "balance");
        for (Granularity period : Granularity.values()) {
            for (Granularity finer : Granularity.values()) {
                if (period.canBreakDown(finer)) {
                    List<Row> rows = queries.breakDown(wallets, period, at, finer, true);
                    assertMatchesBruteForce(wallets, rows, period.bucketOf(at, PARIS).breakDown(finer));
                }
            }
        }
    }

    @Test
    void lastAndRangeMatchForTheResourceAndEachRecord() {
        List<Subject> subjects = new ArrayList<>(List.of(Subject.resource("wallets", "balance"),
                Subject.resource("counters", "stats.views")));
        for (int i = 0; i < 40; i += 7) {
            subjects.add(Subject.record("wallets", "balance", "w" + i));
        }
        for (Subject subject : subjects) {
            for (Granularity granularity : Granularity.values()) {
                List<Row> last = queries.last(subject, granularity, 12, NOW, true);
                assertMatchesBruteForce(subject, last, Bucket.last(granularity, 12, NOW, PARIS));
            }
            Instant from = Instant.parse("2026-03-27T05:30:00Z");
            Instant to = Instant.parse("2026-04-02T00:00:00Z");
            assertMatchesBruteForce(subject, queries.range(subject, Granularity.HOUR, from, to, true),
                    Bucket.between(Granularity.HOUR, from, to, PARIS));
        }
    }

    @Test
    void aYearByDayMergesEveryPartitionAndAddsUpToTheLog() {
        Subject wallets = Subject.resource("wallets", "balance");
        List<Row> days = queries.breakDown(wallets, Granularity.YEAR, NOW, Granularity.DAY, true);
        assertThat(days).hasSize(365);
        assertMatchesBruteForce(wallets, days, Granularity.YEAR.bucketOf(NOW, PARIS).breakDown(Granularity.DAY));
        BigDecimal total = days.stream().map(row -> row.metrics().sum()).reduce(BigDecimal.ZERO, BigDecimal::add);
        Bucket year = Granularity.YEAR.bucketOf(NOW, PARIS);
        BigDecimal logged = log.stream().filter(tx -> tx.resource().equals("wallets") && year.contains(tx.at()))
                .flatMap(tx -> Changes.of(tx).changes().stream()).map(Changes.Change::amount)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(total).isEqualByComparingTo(logged);
    }

    @Test
    void gapsAreLeftOutWhenAsked() {
        Subject wallets = Subject.resource("wallets", "balance");
        List<Row> rows = queries.breakDown(wallets, Granularity.YEAR, NOW, Granularity.DAY, false);
        List<Row> filled = queries.breakDown(wallets, Granularity.YEAR, NOW, Granularity.DAY, true);
        assertThat(rows).isNotEmpty().hasSizeLessThan(30)
                .containsExactlyElementsOf(filled.stream().filter(row -> row.metrics().count() > 0).toList());
    }

    @Test
    void topRecordsMatchARankingOfTheLog() {
        Instant at = Instant.parse("2026-10-25T12:00:00Z");
        for (RankBy by : RankBy.values()) {
            List<Ranked> top = queries.top("wallets", "balance", Granularity.DAY, at, 5, by);
            Bucket day = Granularity.DAY.bucketOf(at, PARIS);
            Comparator<Ranked> order = by == RankBy.COUNT
                    ? Comparator.comparingLong((Ranked r) -> r.metrics().count())
                    : Comparator.comparing((Ranked r) -> r.metrics().sum());
            List<Ranked> expected = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Metrics metrics = bruteForce(Subject.record("wallets", "balance", "w" + i), day);
                if (metrics.count() > 0) {
                    expected.add(new Ranked("w" + i, metrics));
                }
            }
            expected.sort(order.reversed().thenComparing(Ranked::id));
            assertThat(top).containsExactlyElementsOf(expected.subList(0, 5));
        }
    }

    @Test
    void refusesQuestionsItCannotAnswerWithAReason() {
        Subject wallets = Subject.resource("wallets", "balance");
        assertThatThrownBy(() -> queries.last(Subject.resource("nope", "balance"), Granularity.DAY, 7, NOW, true))
                .hasMessageContaining("unknown resource 'nope'");
        assertThatThrownBy(() -> queries.last(Subject.resource("wallets", "points"), Granularity.DAY, 7, NOW, true))
                .hasMessageContaining("field 'points' is not tracked on wallets");
        assertThatThrownBy(() -> queries.breakDown(wallets, Granularity.DAY, NOW, Granularity.WEEK, true))
                .hasMessageContaining("a day cannot be broken down by week");
        assertThatThrownBy(() -> queries.range(wallets, Granularity.HOUR, NOW, NOW.minusSeconds(1), true))
                .hasMessageContaining("must be after");
        assertThatThrownBy(() -> queries.range(wallets, Granularity.HOUR, Instant.parse("2000-01-01T00:00:00Z"), NOW, true))
                .hasMessageContaining("more than " + AnalyticsQueries.MAX_BUCKETS);
        assertThatThrownBy(() -> queries.last(wallets, Granularity.DAY, 0, NOW, true))
                .hasMessageContaining("between 1 and");
    }
}
