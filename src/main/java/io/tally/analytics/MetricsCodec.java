package io.tally.analytics;

import io.tally.ledger.Op;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;

/**
 * The compact binary form of {@link Metrics} in the analytics stores and their changelogs. A
 * query merges thousands of partials, so they are read without JSON. Layout, version 1: version
 * byte, count, records, sum, min, max (absent when count is 0), then per operation its ordinal,
 * count and sum. A decimal is its scale and its unscaled two's-complement bytes.
 */
public final class MetricsCodec {
    private static final byte VERSION = 1;
    private static final Op[] OPS = Op.values();

    private MetricsCodec() {
    }

    public static byte[] encode(Metrics metrics) {
        byte[] sum = metrics.sum().unscaledValue().toByteArray();
        byte[] min = metrics.count() > 0 ? metrics.min().unscaledValue().toByteArray() : null;
        byte[] max = metrics.count() > 0 ? metrics.max().unscaledValue().toByteArray() : null;
        int size = 1 + 8 + 8 + decimalSize(sum) + (min == null ? 0 : decimalSize(min) + decimalSize(max)) + 1;
        byte[][] opSums = new byte[metrics.byOp().size()][];
        int i = 0;
        for (Metrics.OpTotal total : metrics.byOp().values()) {
            opSums[i] = total.sum().unscaledValue().toByteArray();
            size += 1 + 8 + decimalSize(opSums[i++]);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION).putLong(metrics.count()).putLong(metrics.records());
        putDecimal(out, metrics.sum().scale(), sum);
        if (min != null) {
            putDecimal(out, metrics.min().scale(), min);
            putDecimal(out, metrics.max().scale(), max);
        }
        out.put((byte) opSums.length);
        i = 0;
        for (Map.Entry<Op, Metrics.OpTotal> op : metrics.byOp().entrySet()) {
            out.put((byte) op.getKey().ordinal()).putLong(op.getValue().count());
            putDecimal(out, op.getValue().sum().scale(), opSums[i++]);
        }
        return out.array();
    }

    public static Metrics decode(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data);
        try {
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("analytics metrics of unknown version " + version);
            }
            long count = in.getLong();
            long records = in.getLong();
            BigDecimal sum = getDecimal(in);
            BigDecimal min = count > 0 ? getDecimal(in) : null;
            BigDecimal max = count > 0 ? getDecimal(in) : null;
            int ops = Byte.toUnsignedInt(in.get());
            EnumMap<Op, Metrics.OpTotal> byOp = new EnumMap<>(Op.class);
            for (int op = 0; op < ops; op++) {
                Op which = OPS[Byte.toUnsignedInt(in.get())];
                byOp.put(which, new Metrics.OpTotal(in.getLong(), getDecimal(in)));
            }
            return new Metrics(count, sum, min, max, records, byOp);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated analytics metrics", e);
        }
    }

    private static int decimalSize(byte[] unscaled) {
        return 4 + 1 + unscaled.length;
    }

    private static void putDecimal(ByteBuffer out, int scale, byte[] unscaled) {
        out.putInt(scale).put((byte) unscaled.length).put(unscaled);
    }

    private static BigDecimal getDecimal(ByteBuffer in) {
        int scale = in.getInt();
        byte[] unscaled = new byte[Byte.toUnsignedInt(in.get())];
        in.get(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }
}
