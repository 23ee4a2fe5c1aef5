package io.tally.stream;

/**
 * Keys of the history store: every transaction of a record under {@code resource/id/<sequence>},
 * the sequence zero-padded so a record's history is one contiguous range in sequence order. An id
 * never contains '/', so no other record's keys fall inside that range.
 */
public final class History {
    private static final String LAST = "9999999999999999999";

    private History() {
    }

    public static String key(String recordKey, long sequence) {
        String digits = Long.toString(sequence);
        return recordKey + "/" + "0".repeat(LAST.length() - digits.length()) + digits;
    }

    /** The last possible key of a record's history, the inclusive end of its range. */
    public static String last(String recordKey) {
        return recordKey + "/" + LAST;
    }

    public static long sequenceOf(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
    }
}
