package io.tally.ledger;

import java.util.Locale;
import java.util.Optional;

/**
 * What a command asks for. The wire name is the lower-case constant name. A transfer is a saga of
 * steps, each an op on one record: {@code transfer} debits the source, then Tally itself sends
 * {@code transfer_credit} to the target and, if the target refuses it, {@code transfer_refund}
 * back to the source.
 */
public enum Op {
    CREATE, ADD, SUB, SET, INCREMENT, DECREMENT, DELETE, TRANSFER, TRANSFER_CREDIT, TRANSFER_REFUND;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    public static Optional<Op> fromWire(String name) {
        for (Op op : values()) {
            if (op.wireName().equals(name)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    /** The steps Tally sends itself during a transfer; clients send {@link #TRANSFER}. */
    public boolean sagaStep() {
        return this == TRANSFER_CREDIT || this == TRANSFER_REFUND;
    }

    public boolean transferStep() {
        return this == TRANSFER || sagaStep();
    }

    /** Ops that change one field and therefore need a field name. */
    public boolean touchesField() {
        return this != CREATE && this != DELETE;
    }
}
