package io.tally.analytics;

import io.tally.ledger.Op;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenBucketsTest {
    private static final long HOUR = 1_760_000_400L;
    private static final long YEAR = 1_735_689_600L;

    @Test
    void keepsEachOpenBucketThroughItsStoredForm() {
        OpenBuckets open = new OpenBuckets();
        open.open(Granularity.HOUR, HOUR, metrics(Op.ADD, "12.50"));
        // Beyond a long: the decimal goes in its two's-complement form.
        open.open(Granularity.YEAR, YEAR, metrics(Op.SUB, "-123456789012345678901234567890.123"));

        OpenBuckets back = OpenBuckets.decode(OpenBuckets.encode(open));

        assertThat(back.start(Granularity.HOUR)).isEqualTo(HOUR);
        assertThat(back.metrics(Granularity.HOUR).toMetrics()).isEqualTo(open.metrics(Granularity.HOUR).toMetrics());
        assertThat(back.start(Granularity.YEAR)).isEqualTo(YEAR);
        assertThat(back.metrics(Granularity.YEAR).toMetrics().sum())
                .isEqualByComparingTo("-123456789012345678901234567890.123");
        assertThat(back.metrics(Granularity.DAY)).isNull();
        assertThat(back.isEmpty()).isFalse();
    }

    @Test
    void findsOneBucketWithoutDecodingTheOthers() {
        OpenBuckets open = new OpenBuckets();
        open.open(Granularity.HOUR, HOUR, metrics(Op.ADD, "1"));
        open.open(Granularity.DAY, HOUR - 3600, metrics(Op.ADD, "2"));
        byte[] stored = OpenBuckets.encode(open);

        assertThat(OpenBuckets.metricsOf(stored, Granularity.DAY, HOUR - 3600).toMetrics().sum()).isEqualByComparingTo("2");
        assertThat(OpenBuckets.metricsOf(stored, Granularity.HOUR, HOUR).toMetrics().sum()).isEqualByComparingTo("1");
        assertThat(OpenBuckets.metricsOf(stored, Granularity.HOUR, HOUR + 3600)).as("another hour").isNull();
        assertThat(OpenBuckets.metricsOf(stored, Granularity.WEEK, HOUR)).as("no week open").isNull();
    }

    @Test
    void tellsWhichOpenBucketsStartBeforeACutOffPerGranularity() {
        OpenBuckets open = new OpenBuckets();
        open.open(Granularity.HOUR, HOUR, metrics(Op.ADD, "1"));
        open.open(Granularity.YEAR, YEAR, metrics(Op.ADD, "1"));
        long[] before = new long[Granularity.values().length];
        java.util.Arrays.fill(before, HOUR);
        before[Granularity.HOUR.ordinal()] = HOUR + 1;

        assertThat(OpenBuckets.startingBefore(OpenBuckets.encode(open), before))
                .containsExactly(Granularity.HOUR, Granularity.YEAR);
        before[Granularity.HOUR.ordinal()] = HOUR;
        assertThat(OpenBuckets.startingBefore(OpenBuckets.encode(open), before)).containsExactly(Granularity.YEAR);
    }

    @Test
    void aRecordWithEveryBucketDroppedIsEmpty() {
        OpenBuckets open = new OpenBuckets();
        open.open(Granularity.MONTH, HOUR, metrics(Op.ADD, "1"));
        open.drop(Granularity.MONTH);

        assertThat(open.isEmpty()).isTrue();
        assertThat(OpenBuckets.decode(OpenBuckets.encode(open)).isEmpty()).isTrue();
    }

    @Test
    void refusesBytesItDidNotWrite() {
        OpenBuckets open = new OpenBuckets();
        open.open(Granularity.HOUR, HOUR, metrics(Op.ADD, "1"));
        byte[] stored = OpenBuckets.encode(open);

        assertThatThrownBy(() -> OpenBuckets.decode(MetricsCodec.encode(metrics(Op.ADD, "1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown format");
        assertThatThrownBy(() -> OpenBuckets.decode(Arrays.copyOf(stored, stored.length - 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        byte[] unknownGranularity = stored.clone();
        unknownGranularity[2] = 9;
        assertThatThrownBy(() -> OpenBuckets.decode(unknownGranularity))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown granularity");
    }

    @Test
    void refusesADecimalScaleBeyondAnIntAsBytesItDidNotWrite() {
        byte[] stored = withScaleBeyondAnInt(Granularity.HOUR, HOUR);

        assertThatThrownBy(() -> OpenBuckets.metricsOf(stored, Granularity.HOUR, HOUR))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale");
        assertThatThrownBy(() -> OpenBuckets.decode(stored))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale");
        assertThat(OpenBuckets.startingBefore(stored, new long[] {HOUR + 1, 0, 0, 0, 0}))
                .as("the purge reads no metrics").containsExactly(Granularity.HOUR);
    }

    /** A record's open buckets holding one bucket whose sum has a scale no decimal can have. */
    static byte[] withScaleBeyondAnInt(Granularity granularity, long start) {
        MetricsCodec.Writer metrics = new MetricsCodec.Writer(32);
        metrics.put((byte) 2);
        metrics.putVarlong(1);
        metrics.putVarlong(1);
        metrics.putVarlong(1L << 40);
        metrics.put((byte) 0);
        metrics.putVarlong(1);
        byte[] bytes = metrics.bytes();
        MetricsCodec.Writer open = new MetricsCodec.Writer(64);
        open.put((byte) 3);
        open.put((byte) 1);
        open.put((byte) granularity.ordinal());
        open.putVarlong(start);
        open.putShortAt(open.reserveShort(), bytes.length);
        open.put(bytes);
        return open.bytes();
    }

    private static MutableMetrics metrics(Op op, String amount) {
        MutableMetrics metrics = new MutableMetrics();
        metrics.add(op, new BigDecimal(amount));
        metrics.addRecord();
        return metrics;
    }
}
