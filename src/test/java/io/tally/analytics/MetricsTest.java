package io.tally.analytics;

import io.tally.ledger.Op;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsTest {
    private static Metrics of(Object... opsAndAmounts) {
        Metrics metrics = Metrics.EMPTY;
        for (int i = 0; i < opsAndAmounts.length; i += 2) {
            metrics = metrics.plus((Op) opsAndAmounts[i], new BigDecimal((String) opsAndAmounts[i + 1]));
        }
        return metrics;
    }

    @Test
    void countsSignedChangesExactly() {
        Metrics metrics = of(Op.ADD, "10.10", Op.SUB, "-4.00", Op.ADD, "0.20", Op.SET, "-1.30").plusRecord();

        assertThat(metrics.count()).isEqualTo(4);
        assertThat(metrics.sum()).isEqualTo(new BigDecimal("5.00"));
        assertThat(metrics.min()).isEqualTo(new BigDecimal("-4.00"));
        assertThat(metrics.max()).isEqualTo(new BigDecimal("10.10"));
        assertThat(metrics.records()).isEqualTo(1);
        assertThat(metrics.average()).isEqualTo(new BigDecimal("1.25000000"));
        assertThat(metrics.byOp()).isEqualTo(Map.of(
                Op.ADD, new Metrics.OpTotal(2, new BigDecimal("10.30")),
                Op.SUB, new Metrics.OpTotal(1, new BigDecimal("-4.00")),
                Op.SET, new Metrics.OpTotal(1, new BigDecimal("-1.30"))));
    }

    @Test
    void averagesRoundHalfEvenSixPlacesBeyondTheSum() {
        assertThat(of(Op.ADD, "1.00", Op.ADD, "1.00", Op.ADD, "0.00").average()).isEqualTo(new BigDecimal("0.66666667"));
        assertThat(Metrics.EMPTY.average()).isNull();
    }

    @Test
    void mergingPartialsEqualsCountingEverythingInOnePlace() {
        Metrics left = of(Op.ADD, "3", Op.SUB, "-7").plusRecord();
        Metrics right = of(Op.ADD, "11", Op.INCREMENT, "1").plusRecord().plusRecord();
        Metrics whole = of(Op.ADD, "3", Op.SUB, "-7", Op.ADD, "11", Op.INCREMENT, "1").plusRecord().plusRecord().plusRecord();

        assertThat(left.merge(right)).isEqualTo(whole);
        assertThat(right.merge(left)).isEqualTo(whole);
        assertThat(Metrics.EMPTY.merge(left)).isEqualTo(left);
        assertThat(left.merge(Metrics.EMPTY)).isEqualTo(left);
    }

    @Test
    void theBinaryFormRoundTripsEveryValue() {
        Metrics metrics = of(Op.CREATE, "123456789012345678901234567890.123456", Op.DELETE, "-0.000001",
                Op.DECREMENT, "-1").plusRecord();

        assertThat(MetricsCodec.decode(MetricsCodec.encode(metrics))).isEqualTo(metrics);
        assertThat(MetricsCodec.decode(MetricsCodec.encode(Metrics.EMPTY))).isEqualTo(Metrics.EMPTY);
    }

    @Test
    void aCorruptOrForeignValueIsRefusedWithAReason() {
        assertThatThrownBy(() -> MetricsCodec.decode(new byte[] {9})).hasMessageContaining("unknown version 9");
        assertThatThrownBy(() -> MetricsCodec.decode(new byte[] {1, 0, 0})).hasMessageContaining("truncated");
    }

    @Test
    void keysSortByBucketAndCarryTheirParts() {
        Instant early = Instant.parse("1969-12-31T23:00:00Z");
        Instant late = Instant.parse("2026-11-23T10:00:00Z");
        String a = AnalyticsKeys.resource("wallets", "balance", Granularity.HOUR, early);
        String b = AnalyticsKeys.resource("wallets", "balance", Granularity.HOUR, late);
        String record = AnalyticsKeys.record("wallets", "balance", Granularity.HOUR, late, "odd|id");

        assertThat(a).isLessThan(b);
        assertThat(AnalyticsKeys.startOf(a)).isEqualTo(early);
        assertThat(AnalyticsKeys.startOf(record)).isEqualTo(late);
        assertThat(AnalyticsKeys.idOf(record)).isEqualTo("odd|id");
        assertThat(record).isBetween(AnalyticsKeys.recordsStart("wallets", "balance", Granularity.HOUR, late),
                AnalyticsKeys.recordsEnd("wallets", "balance", Granularity.HOUR, late));
    }
}
