package io.tally.analytics;

import io.tally.ledger.Op;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Exact aggregates of the signed changes of one field in one bucket: count, sum, min, max, the
 * same count and sum per operation, and the number of distinct records touched. Partials of
 * different partitions {@link #merge} into the whole: counts and sums add, and because a record
 * lives in exactly one partition, distinct-record counts add too.
 *
 * @param records distinct records that changed the field in the bucket (1 in a single record's metrics)
 */
public record Metrics(long count, BigDecimal sum, BigDecimal min, BigDecimal max, long records,
                      Map<Op, OpTotal> byOp) {
    /** Extra decimal places of an average beyond the sum's own scale, rounded half-even. */
    public static final int AVERAGE_EXTRA_SCALE = 6;

    public static final Metrics EMPTY = new Metrics(0, BigDecimal.ZERO, null, null, 0, Map.of());

    /** How many changes an operation made and their sum. */
    public record OpTotal(long count, BigDecimal sum) {
        OpTotal plus(OpTotal other) {
            return new OpTotal(count + other.count, sum.add(other.sum));
        }
    }

    public Metrics {
        EnumMap<Op, OpTotal> copy = new EnumMap<>(Op.class);
        copy.putAll(byOp);
        byOp = Collections.unmodifiableMap(copy);
    }

    /** These metrics with one more change. */
    public Metrics plus(Op op, BigDecimal change) {
        EnumMap<Op, OpTotal> ops = new EnumMap<>(Op.class);
        ops.putAll(byOp);
        ops.merge(op, new OpTotal(1, change), OpTotal::plus);
        return new Metrics(count + 1, sum.add(change), min == null || change.compareTo(min) < 0 ? change : min,
                max == null || change.compareTo(max) > 0 ? change : max, records, ops);
    }

    /** These metrics counting one more distinct record. */
    public Metrics plusRecord() {
        return new Metrics(count, sum, min, max, records + 1, byOp);
    }

    /** The metrics of both partials together. */
    public Metrics merge(Metrics other) {
        if (other.count == 0 && other.records == 0) {
            return this;
        }
        if (count == 0 && records == 0) {
            return other;
        }
        EnumMap<Op, OpTotal> ops = new EnumMap<>(Op.class);
        ops.putAll(byOp);
        other.byOp.forEach((op, total) -> ops.merge(op, total, OpTotal::plus));
        return new Metrics(count + other.count, sum.add(other.sum), lesser(min, other.min), greater(max, other.max),
                records + other.records, ops);
    }

    /** The mean change, or null when nothing changed: {@link #AVERAGE_EXTRA_SCALE} more decimals than the sum. */
    public BigDecimal average() {
        if (count == 0) {
            return null;
        }
        return sum.divide(BigDecimal.valueOf(count), Math.max(sum.scale(), 0) + AVERAGE_EXTRA_SCALE,
                RoundingMode.HALF_EVEN);
    }

    private static BigDecimal lesser(BigDecimal a, BigDecimal b) {
        return a == null ? b : b == null || a.compareTo(b) <= 0 ? a : b;
    }

    private static BigDecimal greater(BigDecimal a, BigDecimal b) {
        return a == null ? b : b == null || a.compareTo(b) >= 0 ? a : b;
    }
}
