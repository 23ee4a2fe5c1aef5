package io.tally.analytics;

import io.tally.ledger.Op;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;

/**
 * The compact binary form of {@link Metrics} in the analytics stores and their changelogs. A
 * query merges thousands of partials and the stream writes thousands per commit, so they are
 * neither JSON nor padded. Layout, version 2: version byte, count and records as variable-length
 * longs, sum, min, max (absent when count is 0), the number of operations, then per operation its
 * ordinal, count and sum. A decimal is its scale (zig-zag varint), then either a 0 byte and its
 * unscaled value as a zig-zag varint (when it fits in a long) or the length and the
 * two's-complement bytes of the unscaled value. Version 1 (fixed-width numbers) is still read.
 */
public final class MetricsCodec {
    private static final byte VERSION_1 = 1;
    private static final byte VERSION = 2;
    private static final Op[] OPS = Op.values();

    private MetricsCodec() {
    }

    public static byte[] encode(Metrics metrics) {
        return encode(MutableMetrics.of(metrics));
    }

    public static byte[] encode(MutableMetrics metrics) {
        // Written by index into a plain array: the stream encodes thousands of these per commit.
        Writer out = new Writer(48);
        write(metrics, out);
        return out.bytes();
    }

    /** Writes the metrics at the writer's position; the form is self-delimiting, so others may follow. */
    static void write(MutableMetrics metrics, Writer out) {
        int ops = 0;
        for (int i = 0; i < OPS.length; i++) {
            if (metrics.opCounts[i] > 0) {
                ops++;
            }
        }
        out.put(VERSION);
        out.putVarlong(metrics.count);
        out.putVarlong(metrics.records);
        out.putDecimal(metrics.sum);
        if (metrics.count > 0) {
            out.putDecimal(metrics.min);
            out.putDecimal(metrics.max);
        }
        out.put((byte) ops);
        for (int i = 0; i < OPS.length; i++) {
            if (metrics.opCounts[i] > 0) {
                out.put((byte) i);
                out.putVarlong(metrics.opCounts[i]);
                out.putDecimal(metrics.opSums[i]);
            }
        }
    }

    public static Metrics decode(byte[] data) {
        return decodeMutable(data).toMetrics();
    }

    /** Decodes into a value the stream can go on changing in place. */
    public static MutableMetrics decodeMutable(byte[] data) {
        return read(ByteBuffer.wrap(data));
    }

    /** Reads one metrics value at the buffer's position and leaves the position just after it. */
    static MutableMetrics read(ByteBuffer in) {
        try {
            byte version = in.get();
            if (version != VERSION && version != VERSION_1) {
                throw new IllegalArgumentException("analytics metrics of unknown version " + version);
            }
            boolean v1 = version == VERSION_1;
            MutableMetrics metrics = new MutableMetrics();
            metrics.count = v1 ? in.getLong() : getVarlong(in);
            metrics.records = v1 ? in.getLong() : getVarlong(in);
            metrics.sum = getDecimal(in, v1);
            if (metrics.count > 0) {
                metrics.min = getDecimal(in, v1);
                metrics.max = getDecimal(in, v1);
            }
            int ops = Byte.toUnsignedInt(in.get());
            for (int op = 0; op < ops; op++) {
                int which = Byte.toUnsignedInt(in.get());
                if (which >= OPS.length) {
                    throw new IllegalArgumentException("analytics metrics of an unknown operation " + which);
                }
                metrics.opCounts[which] = v1 ? in.getLong() : getVarlong(in);
                metrics.opSums[which] = getDecimal(in, v1);
            }
            return metrics;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated analytics metrics", e);
        }
    }

    private static BigDecimal getDecimal(ByteBuffer in, boolean v1) {
        if (v1) {
            int scale = in.getInt();
            byte[] unscaled = new byte[Byte.toUnsignedInt(in.get())];
            in.get(unscaled);
            return new BigDecimal(new BigInteger(unscaled), scale);
        }
        int scale = scale(getVarlong(in));
        int length = Byte.toUnsignedInt(in.get());
        if (length == 0) {
            return BigDecimal.valueOf(getVarlong(in), scale);
        }
        byte[] unscaled = new byte[length];
        in.get(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    /** A decimal's scale as read: an int, or the bytes were not written here. */
    private static int scale(long read) {
        if (read != (int) read) {
            throw new IllegalArgumentException("analytics metrics with a decimal scale of " + read + ", beyond an int");
        }
        return (int) read;
    }

    /** A plain array filled from the start, grown as needed: no bounds to work out before writing. */
    static final class Writer {
        /** The most one call but {@link #put(byte[])} writes: a scale and a long, as varints, and a byte. */
        private static final int MOST = 21;

        private byte[] buffer;
        private int position;

        Writer(int capacity) {
            buffer = new byte[Math.max(capacity, MOST)];
        }

        int position() {
            return position;
        }

        void put(byte value) {
            room(1);
            buffer[position++] = value;
        }

        void put(byte[] bytes) {
            room(bytes.length);
            System.arraycopy(bytes, 0, buffer, position, bytes.length);
            position += bytes.length;
        }

        /** Leaves two bytes for a length known only later ({@link #putShortAt}); answers where they are. */
        int reserveShort() {
            room(2);
            position += 2;
            return position - 2;
        }

        void putShortAt(int at, int value) {
            if (value > 0xFFFF) {
                throw new IllegalArgumentException("an analytics value of " + value + " bytes cannot be stored");
            }
            buffer[at] = (byte) (value >>> 8);
            buffer[at + 1] = (byte) value;
        }

        void putDecimal(BigDecimal value) {
            room(MOST);
            putVarlong(value.scale());
            // The same digits at scale 0: for a value held in a long, its unscaled value without a BigInteger.
            BigDecimal digits = value.scaleByPowerOfTen(value.scale());
            long unscaled;
            try {
                unscaled = digits.longValueExact();
            } catch (ArithmeticException tooLong) {
                byte[] bytes = value.unscaledValue().toByteArray();
                if (bytes.length > 255) {
                    throw new IllegalArgumentException("an aggregate of more than 600 digits cannot be stored");
                }
                buffer[position++] = (byte) bytes.length;
                put(bytes);
                return;
            }
            buffer[position++] = 0;
            putVarlong(unscaled);
        }

        /** Zig-zag, then seven bits a byte, low bits first. */
        void putVarlong(long value) {
            room(10);
            long v = (value << 1) ^ (value >> 63);
            while ((v & ~0x7FL) != 0) {
                buffer[position++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buffer[position++] = (byte) v;
        }

        byte[] bytes() {
            return Arrays.copyOf(buffer, position);
        }

        private void room(int more) {
            if (position + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, position + more));
            }
        }
    }

    static long getVarlong(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (v >>> 1) ^ -(v & 1);
            }
        }
        throw new IllegalArgumentException("a variable-length number longer than ten bytes");
    }
}
