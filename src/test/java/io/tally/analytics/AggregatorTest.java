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
