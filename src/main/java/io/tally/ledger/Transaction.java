package io.tally.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * The immutable, audited result of one accepted command: what it did to the record, when, and in
 * which place of the record's history. Replaying a record's transactions in sequence through
 * {@link Ledger#evolve} rebuilds the record exactly.
 *
 * @param field    the changed field; null for create and delete
 * @param amount   the command's amount at the field's scale; null for create and delete
 * @param delta    the signed change of the field ({@code after - before}); null for create and delete
 * @param values   for create, the field values the record starts with; for delete, the values it had
 * @param sequence the record's transaction number, 1 for its first, with no gaps
 * @param at       event time (the producer's, or the command's Kafka timestamp)
 * @param processedAt when the ledger decided it
 * @param transfer the other side of a transfer step, with the transfer's id; null otherwise
 */
public record Transaction(
        String txId,
        String resource,
        String id,
        Op op,
        String field,
        BigDecimal amount,
        BigDecimal delta,
        BigDecimal before,
        BigDecimal after,
        Map<String, BigDecimal> values,
        long sequence,
        Instant at,
        Instant processedAt,
        String meta,
        TransferLeg transfer) implements Decision {

    public Transaction {
        values = values == null ? Map.of() : Map.copyOf(values);
    }

    /** A transaction that is not a transfer step. */
    public Transaction(String txId, String resource, String id, Op op, String field, BigDecimal amount, BigDecimal delta,
                       BigDecimal before, BigDecimal after, Map<String, BigDecimal> values, long sequence, Instant at,
                       Instant processedAt, String meta) {
        this(txId, resource, id, op, field, amount, delta, before, after, values, sequence, at, processedAt, meta, null);
    }

    public String key() {
        return RecordKey.of(resource, id);
    }
}
