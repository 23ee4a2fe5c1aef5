package io.tally.analytics;

import io.tally.ledger.Op;
import io.tally.ledger.Transaction;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;


/**
 * The signed changes a transaction makes to its fields, as analytics count them: a change of a
 * field counts its delta (a {@code sub} of 4 is −4, a {@code set} its difference); a create counts
 * each starting value as a change from nothing, a delete each last value as a change to nothing.
 * So the sum of a record's changes over all time is its current value (less the field's initial
 * value when the record was created on first use).
 */
public record Changes(Op op, List<Change> changes) {

    /** One field's change. */
    public record Change(String field, BigDecimal amount) {
    }

    public static Changes of(Transaction transaction) {
        List<Change> changes = new ArrayList<>();
        switch (transaction.op()) {
            case CREATE -> transaction.values().forEach((field, value) -> changes.add(new Change(field, value)));
            case DELETE -> transaction.values().forEach((field, value) -> changes.add(new Change(field, value.negate())));
            default -> changes.add(new Change(transaction.field(), transaction.delta()));
        }
        changes.sort(Comparator.comparing(Change::field));
        return new Changes(transaction.op(), List.copyOf(changes));
    }
}
