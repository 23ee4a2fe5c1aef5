package io.tally.ledger;

import java.util.UUID;

/**
 * Transaction ids the service assigns to commands that came without one. They have the layout of
 * a UUIDv7 (48 bits of Unix milliseconds first, so they sort by time) but the remaining bits are
 * the command's partition and offset instead of random bits: unique per command, and the same id
 * again if a task re-processes the command after a crash.
 */
public final class TxIds {
    private TxIds() {
    }

    public static String assigned(long timestampMillis, int partition, long offset) {
        long millis = timestampMillis & 0xFFFF_FFFF_FFFFL;
        long high = (millis << 16) | 0x7000L | (partition & 0x0FFFL);
        long low = 0x8000_0000_0000_0000L | (offset & 0x3FFF_FFFF_FFFF_FFFFL);
        return new UUID(high, low).toString();
    }

    /** A UUIDv7 for a caller that picks its own id (the REST API): Unix milliseconds, then random bits. */
    public static String fresh(long timestampMillis, long randomHigh, long randomLow) {
        long millis = timestampMillis & 0xFFFF_FFFF_FFFFL;
        long high = (millis << 16) | 0x7000L | (randomHigh & 0x0FFFL);
        long low = 0x8000_0000_0000_0000L | (randomLow & 0x3FFF_FFFF_FFFF_FFFFL);
        return new UUID(high, low).toString();
    }
}
