package io.tally.analytics;

import io.tally.ledger.Op;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsCodecTest {

    @Test
    void roundTripsSmallHugeAndNegativeDecimalsExactly() {
        MutableMetrics metrics = new MutableMetrics();
        metrics.add(Op.ADD, new BigDecimal("12.50"));
        metrics.add(Op.SUB, new BigDecimal("-0.01"));
        metrics.add(Op.ADD, new BigDecimal("123456789012345678901234567890.12"));
        metrics.add(Op.SET, new BigDecimal(BigInteger.valueOf(Long.MIN_VALUE), 2));
        metrics.addRecord();

        Metrics decoded = MetricsCodec.decode(MetricsCodec.encode(metrics));

        assertThat(decoded).isEqualTo(metrics.toMetrics());
        assertThat(decoded.sum()).isEqualTo(new BigDecimal("123456789012345678901234567890.12")
                .add(new BigDecimal("12.49")).add(new BigDecimal(BigInteger.valueOf(Long.MIN_VALUE), 2)));
        assertThat(decoded.byOp()).containsOnlyKeys(Op.ADD, Op.SUB, Op.SET);
    }

    @Test
    void mergingInPlaceAnswersWhatMetricsMergeDoes() {
        MutableMetrics left = new MutableMetrics();
        left.add(Op.ADD, new BigDecimal("3.00"));
        left.add(Op.SUB, new BigDecimal("-7.25"));
        left.addRecord();
        MutableMetrics right = new MutableMetrics();
        right.add(Op.ADD, new BigDecimal("11.10"));
        right.add(Op.INCREMENT, new BigDecimal("1"));
        right.addRecord();
        right.addRecord();
        Metrics expected = left.toMetrics().merge(right.toMetrics());

        left.add(right);

        assertThat(left.toMetrics()).isEqualTo(expected);
        MutableMetrics empty = new MutableMetrics();
        empty.add(left);
        assertThat(empty.toMetrics()).isEqualTo(expected);
    }

    @Test
    void roundTripsEmptyMetrics() {
        assertThat(MetricsCodec.decode(MetricsCodec.encode(Metrics.EMPTY))).isEqualTo(Metrics.EMPTY);
    }

    @Test
    void writesTheSecondVersionByteForByteAsStoresHoldIt() {
        MutableMetrics metrics = new MutableMetrics();
        metrics.add(Op.ADD, new BigDecimal("10.00"));
        metrics.add(Op.SUB, new BigDecimal("-2.5"));
        // Beyond a long: the unscaled value goes as two's-complement bytes.
        metrics.add(Op.ADD, new BigDecimal("123456789012345678901234.5"));
        metrics.addRecord();

        // The bytes an earlier release wrote for the same metrics: stored partials stay readable both ways.
        assertThat(java.util.HexFormat.of().formatHex(MetricsCodec.encode(metrics))).isEqualTo(
                "020602040b0a364c98227eaa6adcbda8020031020b01056e0f36a6443de2df79020104040b0a364c98227eaa6adcbea20202020031");
    }

    @Test
    void stillReadsTheFixedWidthFirstVersion() {
        // count 2, records 1, sum 7.5, min 2.5, max 5.0, one op (ADD: 2, 7.5), as version 1 wrote them.
        ByteBuffer v1 = ByteBuffer.allocate(128);
        v1.put((byte) 1).putLong(2).putLong(1);
        decimal(v1, new BigDecimal("7.5"));
        decimal(v1, new BigDecimal("2.5"));
        decimal(v1, new BigDecimal("5.0"));
        v1.put((byte) 1).put((byte) Op.ADD.ordinal()).putLong(2);
        decimal(v1, new BigDecimal("7.5"));
        byte[] bytes = java.util.Arrays.copyOf(v1.array(), v1.position());

        Metrics decoded = MetricsCodec.decode(bytes);

        assertThat(decoded.count()).isEqualTo(2);
        assertThat(decoded.records()).isEqualTo(1);
        assertThat(decoded.sum()).isEqualTo(new BigDecimal("7.5"));
        assertThat(decoded.min()).isEqualTo(new BigDecimal("2.5"));
        assertThat(decoded.max()).isEqualTo(new BigDecimal("5.0"));
        assertThat(decoded.byOp()).containsEntry(Op.ADD, new Metrics.OpTotal(2, new BigDecimal("7.5")));
    }

    @Test
    void refusesUnknownVersionsAndTruncatedBytes() {
        assertThatThrownBy(() -> MetricsCodec.decode(new byte[] {9})).hasMessageContaining("unknown version 9");
        byte[] whole = MetricsCodec.encode(Metrics.EMPTY.plus(Op.ADD, BigDecimal.TEN));
        assertThatThrownBy(() -> MetricsCodec.decode(java.util.Arrays.copyOf(whole, whole.length - 2)))
                .hasMessageContaining("truncated");
    }

    private static void decimal(ByteBuffer out, BigDecimal value) {
        byte[] unscaled = value.unscaledValue().toByteArray();
        out.putInt(value.scale()).put((byte) unscaled.length).put(unscaled);
    }
}
