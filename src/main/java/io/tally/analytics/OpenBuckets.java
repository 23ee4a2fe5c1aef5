package io.tally.analytics;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * One record's field in its latest bucket of each granularity: the buckets still being counted.
 * A record's changes mostly fall in the buckets of its change before, so they are kept together
 * under one key ({@link AnalyticsKeys#open}) and a change writes that one key instead of five.
 * When a change falls in a later bucket, the earlier one is closed: written under its own key
 * ({@link AnalyticsKeys#record}), where a change that arrives late finds it.
 *
 * <p>A record's metrics of one bucket are in one place: here while the bucket is open, under the
 * bucket's own key once closed. Readers still add both, so a bucket written by an earlier
 * version of Tally, which kept every bucket under its own key, is never hidden.
 *
 * <p>Stored form: format byte 3, the number of open buckets, then per bucket the granularity's
 * ordinal, the start in epoch seconds (zig-zag varint), the metrics' length (two bytes, big-endian)
 * and their {@link MetricsCodec} bytes. Bytes not written so (of an unknown format, cut short, or
 * with metrics that cannot be read) are refused with an {@link IllegalArgumentException}, which a
 * reader can catch to leave out that one key.
 */
public final class OpenBuckets {
    private static final byte FORMAT = 3;
    private static final Granularity[] GRANULARITIES = Granularity.values();

    private final long[] starts = new long[GRANULARITIES.length];
    private final MutableMetrics[] metrics = new MutableMetrics[GRANULARITIES.length];

    /** The metrics of the open bucket of a granularity, or null when none is open. */
    public MutableMetrics metrics(Granularity granularity) {
        return metrics[granularity.ordinal()];
    }

    /** The start, in epoch seconds, of the open bucket of a granularity; meaningless when none is open. */
    public long start(Granularity granularity) {
        return starts[granularity.ordinal()];
    }

    /** Opens a bucket of a granularity with these metrics, in place of the one open before. */
    public void open(Granularity granularity, long start, MutableMetrics opened) {
        starts[granularity.ordinal()] = start;
        metrics[granularity.ordinal()] = opened;
    }

    /** Forgets the open bucket of a granularity. */
    public void drop(Granularity granularity) {
        metrics[granularity.ordinal()] = null;
    }

    public boolean isEmpty() {
        for (MutableMetrics open : metrics) {
            if (open != null) {
                return false;
            }
        }
        return true;
    }

    public static byte[] encode(OpenBuckets open) {
        MetricsCodec.Writer out = new MetricsCodec.Writer(256);
        out.put(FORMAT);
        int count = 0;
        for (MutableMetrics one : open.metrics) {
            count += one == null ? 0 : 1;
        }
        out.put((byte) count);
        for (int i = 0; i < GRANULARITIES.length; i++) {
            MutableMetrics one = open.metrics[i];
            if (one != null) {
                out.put((byte) i);
                out.putVarlong(open.starts[i]);
                int length = out.reserveShort();
                MetricsCodec.write(one, out);
                out.putShortAt(length, out.position() - length - 2);
            }
        }
        return out.bytes();
    }

    public static OpenBuckets decode(byte[] data) {
        OpenBuckets open = new OpenBuckets();
        read(data, (granularity, start, in) -> {
            open.open(granularity, start, MetricsCodec.read(in));
            return false;
        });
        return open;
    }

    /** The metrics of one bucket if it is open in these bytes, or null; the others are skipped undecoded. */
    public static MutableMetrics metricsOf(byte[] data, Granularity granularity, long start) {
        MutableMetrics[] found = new MutableMetrics[1];
        read(data, (g, s, in) -> {
            if (g == granularity && s == start) {
                found[0] = MetricsCodec.read(in);
                return true;
            }
            return false;
        });
        return found[0];
    }

    /**
     * The granularities whose open bucket starts before {@code before[granularity.ordinal()]},
     * read without decoding any metrics: the purge looks at every record's open buckets.
     */
    public static java.util.List<Granularity> startingBefore(byte[] data, long[] before) {
        java.util.List<Granularity> old = new java.util.ArrayList<>(0);
        read(data, (granularity, start, in) -> {
            if (start < before[granularity.ordinal()]) {
                old.add(granularity);
            }
            return false;
        });
        return old;
    }

    /** How many buckets are open in these bytes, read without decoding any metrics. */
    public static int size(byte[] data) {
        int[] size = new int[1];
        read(data, (granularity, start, in) -> {
            size[0]++;
            return false;
        });
        return size[0];
    }

    /** Told each open bucket with the buffer at its metrics; answers whether to stop. */
    private interface Visitor {
        boolean visit(Granularity granularity, long start, ByteBuffer metrics);
    }

    private static void read(byte[] data, Visitor visitor) {
        ByteBuffer in = ByteBuffer.wrap(data);
        try {
            byte format = in.get();
            if (format != FORMAT) {
                throw new IllegalArgumentException("open analytics buckets of unknown format " + format);
            }
            int count = Byte.toUnsignedInt(in.get());
            for (int i = 0; i < count; i++) {
                int ordinal = Byte.toUnsignedInt(in.get());
                if (ordinal >= GRANULARITIES.length) {
                    throw new IllegalArgumentException("open analytics buckets of an unknown granularity " + ordinal);
                }
                long start = MetricsCodec.getVarlong(in);
                int length = Short.toUnsignedInt(in.getShort());
                int next = in.position() + length;
                if (next > data.length) {
                    throw new IllegalArgumentException("truncated open analytics buckets");
                }
                if (visitor.visit(GRANULARITIES[ordinal], start, in.slice(in.position(), length))) {
                    return;
                }
                in.position(next);
            }
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated open analytics buckets", e);
        }
    }
}
