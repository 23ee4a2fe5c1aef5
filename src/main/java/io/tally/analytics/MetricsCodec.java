package io.tally.analytics;

import io.tally.ledger.Op;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeLong(metrics.count());
            out.writeLong(metrics.records());
            writeDecimal(out, metrics.sum());
            if (metrics.count() > 0) {
                writeDecimal(out, metrics.min());
                writeDecimal(out, metrics.max());
            }
            out.writeByte(metrics.byOp().size());
            for (Map.Entry<Op, Metrics.OpTotal> op : metrics.byOp().entrySet()) {
                out.writeByte(op.getKey().ordinal());
                out.writeLong(op.getValue().count());
                writeDecimal(out, op.getValue().sum());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Metrics decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("analytics metrics of unknown version " + version);
            }
            long count = in.readLong();
            long records = in.readLong();
            BigDecimal sum = readDecimal(in);
            BigDecimal min = count > 0 ? readDecimal(in) : null;
            BigDecimal max = count > 0 ? readDecimal(in) : null;
            int ops = in.readUnsignedByte();
            EnumMap<Op, Metrics.OpTotal> byOp = new EnumMap<>(Op.class);
            for (int i = 0; i < ops; i++) {
                Op op = OPS[in.readUnsignedByte()];
                byOp.put(op, new Metrics.OpTotal(in.readLong(), readDecimal(in)));
            }
            return new Metrics(count, sum, min, max, records, byOp);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated analytics metrics", e);
        }
    }

    private static void writeDecimal(DataOutputStream out, BigDecimal value) throws IOException {
        byte[] unscaled = value.unscaledValue().toByteArray();
        out.writeInt(value.scale());
        out.writeByte(unscaled.length);
        out.write(unscaled);
    }

    private static BigDecimal readDecimal(DataInputStream in) throws IOException {
        int scale = in.readInt();
        byte[] unscaled = new byte[in.readUnsignedByte()];
        in.readFully(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }
}
