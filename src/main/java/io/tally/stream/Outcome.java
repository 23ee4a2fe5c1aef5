package io.tally.stream;

import io.tally.ledger.RejectionCode;

/**
 * What became of a client-chosen transaction id, remembered for the dedupe horizon so that a
 * repeat is answered with the original outcome instead of being applied again.
 *
 * @param sequence the record's transaction sequence when applied, else 0
 * @param code     the rejection code when rejected, else null
 */
public record Outcome(Kind kind, long sequence, RejectionCode code) {

    public enum Kind { APPLIED, REJECTED, PENDING }

    public static Outcome applied(long sequence) {
        return new Outcome(Kind.APPLIED, sequence, null);
    }

    public static Outcome rejected(RejectionCode code) {
        return new Outcome(Kind.REJECTED, 0, code);
    }

    public static Outcome pending() {
        return new Outcome(Kind.PENDING, 0, null);
    }

    public String describe(String txId, String recordKey) {
        return switch (kind) {
            case APPLIED -> "txId " + txId + " was already applied as transaction " + sequence + " of " + recordKey;
            case REJECTED -> "txId " + txId + " was already rejected with " + code;
            case PENDING -> "txId " + txId + " was already received and waits for " + recordKey + " to be created";
        };
    }
}
