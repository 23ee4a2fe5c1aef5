package io.tally.analytics;

import java.time.Instant;

/**
 * Keys of the analytics store. Bucket first, so one range scan reads a run of buckets of a whole
 * resource, or every record of one bucket (top N), in order:
 * <pre>
 *   r|wallets|balance|D|500001763856000         the partial of a resource's field in a bucket
 *   i|wallets|balance|D|500001763856000|w1      one record's metrics in that bucket, once closed
 *   o|wallets|balance|w1                        one record's open buckets ({@link OpenBuckets})
 * </pre>
 * The bucket start is its epoch second shifted to be positive and padded to a fixed width, so
 * keys sort in time order. Resource and field names cannot hold '|'; an id may, and comes last.
 */
public final class AnalyticsKeys {
    private static final long SHIFT = 500_000_000_000L;
    private static final int WIDTH = 15;

    private AnalyticsKeys() {
    }

    public static String resource(String resource, String field, Granularity granularity, Instant bucketStart) {
        return key('r', resource, field, granularity, bucketStart, 0).toString();
    }

    public static String record(String resource, String field, Granularity granularity, Instant bucketStart, String id) {
        return key('i', resource, field, granularity, bucketStart, 1 + id.length()).append('|').append(id).toString();
    }

    /** The key of a record's open buckets of a field. */
    public static String open(String resource, String field, String id) {
        return new StringBuilder(4 + resource.length() + field.length() + id.length())
                .append("o|").append(resource).append('|').append(field).append('|').append(id).toString();
    }

    /** The range of keys, [from, to], holding the open buckets of every record of a field. */
    public static String[] opens(String resource, String field) {
        String prefix = "o|" + resource + '|' + field;
        return new String[] {prefix + '|', prefix + '}'};
    }

    /** The id in the key of a record's open buckets. */
    public static String idOfOpen(String openKey) {
        return openKey.substring(afterBar(openKey, 3));
    }

    /** Whether a key holds a record's open buckets rather than one bucket's metrics. */
    public static boolean isOpen(String key) {
        return key.charAt(0) == 'o';
    }

    /** Built in one buffer of the right size: the stream builds ten of these per transaction. */
    private static StringBuilder key(char kind, String resource, String field, Granularity granularity,
                                     Instant bucketStart, int more) {
        StringBuilder key = new StringBuilder(8 + resource.length() + field.length() + WIDTH + more)
                .append(kind).append('|').append(resource).append('|').append(field).append('|')
                .append(granularity.name().charAt(0)).append('|');
        long shifted = bucketStart.getEpochSecond() + SHIFT;
        int digits = 1;
        for (long rest = shifted; rest >= 10; rest /= 10) {
            digits++;
        }
        for (int zeros = WIDTH - digits; zeros > 0; zeros--) {
            key.append('0');
        }
        return key.append(shifted);
    }

    /** The first key of a bucket's records, and (with {@link #recordsEnd}) the range holding all of them. */
    public static String recordsStart(String resource, String field, Granularity granularity, Instant bucketStart) {
        return prefix('i', resource, field, granularity) + time(bucketStart) + '|';
    }

    /** Just past the last key of a bucket's records. */
    public static String recordsEnd(String resource, String field, Granularity granularity, Instant bucketStart) {
        return prefix('i', resource, field, granularity) + time(bucketStart) + '}';
    }

    /** The id in a record key. */
    public static String idOf(String recordKey) {
        return recordKey.substring(afterBar(recordKey, 5));
    }

    /** The bucket start in a resource or record key. */
    public static Instant startOf(String key) {
        return Instant.ofEpochSecond(startSecondOf(key));
    }

    /** The bucket start in a resource or record key, in epoch seconds. */
    public static long startSecondOf(String key) {
        int at = afterBar(key, 4);
        return Long.parseLong(key, at, at + WIDTH, 10) - SHIFT;
    }

    /** The range of keys, [from, to), of every bucket of a kind (r or i) that starts before {@code before}. */
    public static String[] before(char kind, String resource, String field, Granularity granularity, Instant before) {
        String prefix = prefix(kind, resource, field, granularity);
        return new String[] {prefix, prefix + time(before)};
    }

    /** The range of keys, [from, to], of every bucket of a kind (r or i): the bucket digits sort before '~'. */
    public static String[] all(char kind, String resource, String field, Granularity granularity) {
        String prefix = prefix(kind, resource, field, granularity);
        return new String[] {prefix, prefix + '~'};
    }

    /** The resource named in a resource or record key. */
    public static String resourceOf(String key) {
        return key.substring(2, key.indexOf('|', 2));
    }

    /** The field named in any analytics key. */
    public static String fieldOf(String key) {
        int from = afterBar(key, 2);
        return key.substring(from, key.indexOf('|', from));
    }

    /** The granularity in a resource or record key. */
    public static Granularity granularityOf(String key) {
        char letter = key.charAt(afterBar(key, 3));
        for (Granularity granularity : Granularity.values()) {
            if (granularity.name().charAt(0) == letter) {
                return granularity;
            }
        }
        throw new IllegalArgumentException("not an analytics key: " + key);
    }

    /** The index just after the n-th '|' of a key. */
    private static int afterBar(String key, int n) {
        int at = 0;
        for (int i = 0; i < n; i++) {
            at = key.indexOf('|', at) + 1;
        }
        return at;
    }

    private static String prefix(char kind, String resource, String field, Granularity granularity) {
        return kind + "|" + resource + '|' + field + '|' + granularity.name().charAt(0) + '|';
    }

    private static String time(Instant start) {
        String digits = Long.toString(start.getEpochSecond() + SHIFT);
        return "0".repeat(Math.max(0, WIDTH - digits.length())) + digits;
    }
}
