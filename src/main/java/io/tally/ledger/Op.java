package io.tally.ledger;

import java.util.Locale;
import java.util.Optional;

/** What a command asks for. The wire name is the lower-case constant name. */
public enum Op {
    CREATE, ADD, SUB, SET, INCREMENT, DECREMENT, DELETE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Op> fromWire(String name) {
        for (Op op : values()) {
            if (op.wireName().equals(name)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    /** Ops that change one field and therefore need a field name. */
    public boolean touchesField() {
        return this != CREATE && this != DELETE;
    }
}
