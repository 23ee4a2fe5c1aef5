package io.tally.analytics;

import io.tally.ledger.Op;

import java.math.BigDecimal;
import java.util.EnumMap;

/**
 * {@link Metrics} being folded on the hot path: one object changed in place per key, where
 * {@link Metrics#plus} would copy the whole value on every change. Per-operation totals are kept in
 * arrays indexed by the operation's ordinal. Convert with {@link #toMetrics()} to read it.
 */
public final class MutableMetrics {
    private static final Op[] OPS = Op.values();

    long count;
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal min;
    BigDecimal max;
    long records;
    final long[] opCounts = new long[OPS.length];
    final BigDecimal[] opSums = new BigDecimal[OPS.length];

    public static MutableMetrics of(Metrics metrics) {
        MutableMetrics mutable = new MutableMetrics();
        mutable.count = metrics.count();
        mutable.sum = metrics.sum();
        mutable.min = metrics.min();
        mutable.max = metrics.max();
        mutable.records = metrics.records();
        metrics.byOp().forEach((op, total) -> {
            mutable.opCounts[op.ordinal()] = total.count();
            mutable.opSums[op.ordinal()] = total.sum();
        });
        return mutable;
    }

    /** Whether nothing was counted yet: no change and no record. */
    public boolean isEmpty() {
        return count == 0 && records == 0;
    }

    /** Counts one more change. */
    public void add(Op op, BigDecimal change) {
        count++;
        sum = sum.add(change);
        if (min == null || change.compareTo(min) < 0) {
            min = change;
        }
        if (max == null || change.compareTo(max) > 0) {
            max = change;
        }
        int i = op.ordinal();
        opCounts[i]++;
        opSums[i] = opSums[i] == null ? change : opSums[i].add(change);
    }

    /** Adds another partition's partial of the same bucket: counts and sums add, as do distinct records (see {@link Metrics#merge}). */
    public void add(MutableMetrics other) {
        count += other.count;
        sum = sum.add(other.sum);
        if (other.min != null && (min == null || other.min.compareTo(min) < 0)) {
            min = other.min;
        }
        if (other.max != null && (max == null || other.max.compareTo(max) > 0)) {
            max = other.max;
        }
        records += other.records;
        for (int i = 0; i < OPS.length; i++) {
            if (other.opCounts[i] > 0) {
                opCounts[i] += other.opCounts[i];
                opSums[i] = opSums[i] == null ? other.opSums[i] : opSums[i].add(other.opSums[i]);
            }
        }
    }

    /**
     * Adds another part of one record's metrics of a bucket, as when the bucket was both open and
     * closed: counts and sums add, and it is still one distinct record.
     */
    public MutableMetrics addSameRecord(MutableMetrics other) {
        add(other);
        records = Math.min(records, 1);
        return this;
    }

    /** Counts one more distinct record. */
    public void addRecord() {
        records++;
    }

    public Metrics toMetrics() {
        EnumMap<Op, Metrics.OpTotal> byOp = new EnumMap<>(Op.class);
        for (int i = 0; i < OPS.length; i++) {
            if (opCounts[i] > 0) {
                byOp.put(OPS[i], new Metrics.OpTotal(opCounts[i], opSums[i]));
            }
        }
        return new Metrics(count, sum, min, max, records, byOp);
    }
}
