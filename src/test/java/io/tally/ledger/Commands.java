package io.tally.ledger;

import java.time.Instant;
import java.util.Map;

/** Commands as tests write them. */
public final class Commands {
    public static final Instant T0 = Instant.parse("2025-10-09T12:00:00Z");

    private Commands() {
    }

    public static Command create(String resource, String id, Map<String, String> values, String txId) {
        return new Command(Op.CREATE, resource, id, null, null, txId, true, T0, null, values);
    }

    public static Command change(Op op, String resource, String id, String field, String amount, String txId) {
        return new Command(op, resource, id, field, amount, txId, true, T0, null, Map.of());
    }

    public static Command delete(String resource, String id, String txId) {
        return new Command(Op.DELETE, resource, id, null, null, txId, true, T0, null, Map.of());
    }
}
