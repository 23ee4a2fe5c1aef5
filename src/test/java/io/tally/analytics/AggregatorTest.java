package io.tally.analytics;

import io.tally.ledger.Op;
import io.tally.ledger.Transaction;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class AggregatorTest {
    private static final ZoneId ST_JOHNS = ZoneId.of("America/St_Johns");
    private static final AnalyticsSettings SETTINGS = new AnalyticsSettings(ST_JOHNS, Map.of(),
            AnalyticsQueriesTest.KEEP_ALL, Duration.ofMinutes(10));
    private static final Instant NOW = Instant.parse("2012-01-01T00:00:00Z");

    @Test
    void aBucketDoesNotDependOnWhichTransactionCameBeforeAcrossAFallBackAtMidnight() {
        // St. John's fell back at 00:01 until 2011: the clock went from 00:01 back to 23:01 of the day before.
        ZoneOffsetTransition fallBack = ST_JOHNS.getRules().nextTransition(Instant.parse("2009-10-01T00:00:00Z"));
        assertThat(fallBack.isOverlap()).isTrue();
        assertThat(fallBack.getDateTimeBefore().toLocalTime()).hasToString("00:01");
        Instant justBefore = fallBack.getInstant().minusSeconds(30);
        Instant justAfter = fallBack.getInstant().plus(Duration.ofMinutes(10));

        Map<String, String> oneOrder = fold(List.of(justBefore, justAfter));
        Map<String, String> otherOrder = fold(List.of(justAfter, justBefore));

        assertThat(oneOrder).isEqualTo(otherOrder);
        assertThat(oneOrder).isEqualTo(foldEachAlone(List.of(justBefore, justAfter)));
    }

    @Test
    void manyTransactionsInOneBucketLandWhereEachAloneWould() {
        List<Instant> instants = new java.util.ArrayList<>();
        Instant start = Instant.parse("2010-03-13T20:00:00Z");
        for (int minute = 0; minute < 3 * 24 * 60; minute += 7) {
            instants.add(start.plus(Duration.ofMinutes(minute)));
        }
        assertThat(fold(instants)).isEqualTo(foldEachAlone(instants));
    }

    @Test
    void aRecordsChangesInTheSameBucketsWriteOneRecordKey() {
        Aggregator aggregator = new Aggregator(SETTINGS);
        StagedPartials partials = StagedPartials.inMemory();
        Instant at = Instant.parse("2011-06-01T12:00:00Z");
        for (int i = 0; i < 3; i++) {
            aggregator.apply(add(at.plusSeconds(i)), NOW, partials);
        }

        java.util.SortedMap<String, byte[]> stored = partials.written();
        assertThat(stored.keySet()).filteredOn(key -> !key.startsWith("r|"))
                .containsExactly(AnalyticsKeys.open("wallets", "balance", "w1"));
        Metrics hour = StagedPartials.logical(stored).get(recordKey(Granularity.HOUR, at));
        assertThat(hour.count()).isEqualTo(3);
        assertThat(hour.records()).isEqualTo(1);
    }

    @Test
    void aChangeInALaterBucketClosesTheEarlierOneAndALateChangeFindsIt() {
        Aggregator aggregator = new Aggregator(SETTINGS);
        StagedPartials partials = StagedPartials.inMemory();
        Instant first = Instant.parse("2011-06-01T12:10:00Z");
        Instant later = first.plus(Duration.ofHours(1));
        aggregator.apply(add(first), NOW, partials);
        aggregator.apply(add(later), NOW, partials);
        aggregator.apply(add(first.plusSeconds(60)), NOW, partials);

        Map<String, byte[]> stored = partials.written();
        String closedHour = recordKey(Granularity.HOUR, first);
        assertThat(stored).containsKey(closedHour).doesNotContainKey(recordKey(Granularity.HOUR, later));
        assertThat(MetricsCodec.decode(stored.get(closedHour)).count()).isEqualTo(2);
        assertThat(MetricsCodec.decode(stored.get(closedHour)).records()).isEqualTo(1);
        Metrics resourceHour = MetricsCodec.decode(stored.get(AnalyticsKeys.resource("wallets", "balance", Granularity.HOUR,
                Granularity.HOUR.bucketOf(first, ST_JOHNS).startInstant())));
        assertThat(resourceHour.count()).isEqualTo(2);
        assertThat(resourceHour.records()).as("the late change is not a new record").isEqualTo(1);
        assertThat(fold(List.of(first, later, first.plusSeconds(60))))
                .isEqualTo(foldEachAlone(List.of(first, first.plusSeconds(60), later)));
    }

    @Test
    void aBucketLeftUnderItsOwnKeyByAnEarlierVersionIsTakenBackWhenItOpens() {
        Instant at = Instant.parse("2011-06-01T12:10:00Z");
        Instant hourStart = Granularity.HOUR.bucketOf(at, ST_JOHNS).startInstant();
        // What a version that wrote every bucket under its own key left: one change of w1 this hour.
        Map<String, byte[]> before = new java.util.HashMap<>();
        MutableMetrics one = new MutableMetrics();
        one.add(Op.ADD, BigDecimal.ONE);
        one.addRecord();
        before.put(recordKey(Granularity.HOUR, at), MetricsCodec.encode(one));
        before.put(AnalyticsKeys.resource("wallets", "balance", Granularity.HOUR, hourStart), MetricsCodec.encode(one));
        StagedPartials partials = new StagedPartials(before::get);

        new Aggregator(SETTINGS).apply(add(at), NOW, partials);

        List<Map.Entry<String, byte[]>> written = new java.util.ArrayList<>();
        partials.drain(written::addAll);
        Map<String, byte[]> after = new java.util.HashMap<>(before);
        written.forEach(entry -> after.compute(entry.getKey(), (key, old) -> entry.getValue()));
        after.values().removeIf(java.util.Objects::isNull);
        assertThat(after).doesNotContainKey(recordKey(Granularity.HOUR, at));
        Map<String, Metrics> logical = StagedPartials.logical(new java.util.TreeMap<>(after));
        assertThat(logical.get(recordKey(Granularity.HOUR, at)).count()).isEqualTo(2);
        assertThat(logical.get(recordKey(Granularity.HOUR, at)).records()).isEqualTo(1);
        Metrics resource = logical.get(AnalyticsKeys.resource("wallets", "balance", Granularity.HOUR, hourStart));
        assertThat(resource.count()).isEqualTo(2);
        assertThat(resource.records()).as("w1 was already counted in the hour").isEqualTo(1);
    }

    @Test
    void aChangeOlderThanEveryRetentionWritesNoKeyAtAll() {
        Map<Granularity, Duration> aDay = new java.util.EnumMap<>(Granularity.class);
        for (Granularity granularity : Granularity.values()) {
            aDay.put(granularity, Duration.ofDays(1));
        }
        Aggregator aggregator = new Aggregator(new AnalyticsSettings(ST_JOHNS, Map.of(), aDay, Duration.ofMinutes(10)));
        StagedPartials partials = StagedPartials.inMemory();

        aggregator.apply(add(NOW.minus(Duration.ofDays(800))), NOW, partials);

        assertThat(partials.written()).as("not even the record's open buckets, which would hold none").isEmpty();
    }

    private static String recordKey(Granularity granularity, Instant at) {
        return AnalyticsKeys.record("wallets", "balance", granularity, granularity.bucketOf(at, ST_JOHNS).startInstant(), "w1");
    }

    private static Map<String, String> fold(List<Instant> instants) {
        Aggregator aggregator = new Aggregator(SETTINGS);
        StagedPartials partials = StagedPartials.inMemory();
        for (Instant at : instants) {
            aggregator.apply(add(at), NOW, partials);
        }
        return printable(partials);
    }

    private static Map<String, String> foldEachAlone(List<Instant> instants) {
        StagedPartials partials = StagedPartials.inMemory();
        for (Instant at : instants) {
            new Aggregator(SETTINGS).apply(add(at), NOW, partials);
        }
        return printable(partials);
    }

    private static Transaction add(Instant at) {
        return new Transaction("t-" + at.toEpochMilli(), "wallets", "w1", Op.ADD, "balance", BigDecimal.ONE,
                BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ONE, Map.of(), 1, at, at, null);
    }

    /** Bucket by bucket: which buckets a record still has open depends on the order, what they hold must not. */
    private static Map<String, String> printable(StagedPartials partials) {
        Map<String, String> sorted = new TreeMap<>();
        StagedPartials.logical(partials.written()).forEach((key, metrics) -> sorted.put(key, metrics.toString()));
        return sorted;
    }
}
