package io.tally.ledger;

import java.math.BigDecimal;
import java.util.Map;

/** Resources the tests share: a bounded wallet that must be created, a counter created on first use. */
public final class Catalogs {
    public static final ResourceSpec WALLETS = ResourceSpec.of("wallets", false,
            FieldSpec.sum("balance", 2).withMinimum(BigDecimal.ZERO.setScale(2)));
    public static final ResourceSpec COUNTERS = ResourceSpec.of("counters", true,
            FieldSpec.sum("stats.clicks", 0), FieldSpec.sum("stats.views", 0).withMaximum(new BigDecimal("1000")));
    public static final ResourceSpec SCORES = ResourceSpec.of("scores", true,
            FieldSpec.sum("best", 1).withReducer(Reducers.MAX));

    private Catalogs() {
    }

    public static Ledger ledger() {
        return new Ledger(Map.of("wallets", WALLETS, "counters", COUNTERS, "scores", SCORES), 3);
    }
}
