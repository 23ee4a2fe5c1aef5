package io.tally.ledger;

import java.time.Instant;
import java.util.Map;

/**
 * A request to change a record, as parsed from {@code tally.commands}. Amounts stay text until the
 * ledger parses them exactly at the field's scale, so nothing ever passes through {@code double}.
 *
 * @param field    the field an op changes (dot paths allowed); null for create and delete
 * @param amount   the amount as exact decimal text; null when the op takes none
 * @param txId     the transaction id (idempotency key); never null once the processor has seen it
 * @param clientTxId whether the producer chose the id (and may retry with it), so it is remembered for dedupe
 * @param at       the event time; the processor fills in the record timestamp when the producer gave none
 * @param meta     the producer's free-form metadata as raw JSON object text, kept verbatim for the audit log
 * @param values   initial field values of a create, as exact decimal text; empty otherwise
 * @param transfer for a transfer step, the other side (and the transfer's id); null otherwise
 */
public record Command(
        Op op,
        String resource,
        String id,
        String field,
        String amount,
        String txId,
        boolean clientTxId,
        Instant at,
        String meta,
        Map<String, String> values,
        TransferLeg transfer) {

    public Command {
        values = values == null ? Map.of() : Map.copyOf(values);
    }

    /** A command that is not a transfer step. */
    public Command(Op op, String resource, String id, String field, String amount, String txId, boolean clientTxId,
                   Instant at, String meta, Map<String, String> values) {
        this(op, resource, id, field, amount, txId, clientTxId, at, meta, values, null);
    }

    /** The id of the transfer this command is a step of: a debit's own txId, or the id it carries. */
    public String transferId() {
        return transfer == null ? null : transfer.transferId() != null ? transfer.transferId() : txId;
    }

    public String key() {
        return RecordKey.of(resource, id);
    }

    public Command withTxId(String assigned) {
        return new Command(op, resource, id, field, amount, assigned, false, at, meta, values, transfer);
    }

    public Command withAt(Instant eventTime) {
        return new Command(op, resource, id, field, amount, txId, clientTxId, eventTime, meta, values, transfer);
    }
}
