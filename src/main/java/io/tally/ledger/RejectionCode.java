package io.tally.ledger;

/**
 * Why a command was refused: a machine-readable code beside the human message.
 * Rejections are values, not exceptions; every refused command is accounted for with one of these.
 */
public enum RejectionCode {
    /** The message is not JSON, has wrong types, unknown or missing properties, or is too large. */
    MALFORMED,
    /** The Kafka key is not {@code resource/id} of the command it carries. */
    WRONG_KEY,
    UNKNOWN_RESOURCE,
    UNKNOWN_FIELD,
    /** The amount is not an exact decimal the field can hold (NaN, too many decimals, too large, not positive). */
    BAD_AMOUNT,
    /** The result would not fit the 38 significant digits a field can hold. */
    OVERFLOW,
    BELOW_MINIMUM,
    ABOVE_MAXIMUM,
    /** The transaction id was already seen within the dedupe horizon; the original outcome stands. */
    DUPLICATE,
    RECORD_EXISTS,
    RECORD_NOT_FOUND,
    /** Too many changes are already waiting for this record to be created. */
    PENDING_LIMIT,
    /** A transfer between fields that cannot hold it: not kept by sum, or the same field twice. */
    NOT_TRANSFERABLE
}
