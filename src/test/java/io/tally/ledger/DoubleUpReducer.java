package io.tally.ledger;

import java.math.BigDecimal;

/** A custom reducer found through ServiceLoader: the value plus twice the change. */
public final class DoubleUpReducer implements Reducer {
    @Override
    public String name() {
        return "double-up";
    }

    @Override
    public BigDecimal reduce(BigDecimal current, BigDecimal change) {
        return current.add(change.multiply(BigDecimal.valueOf(2)));
    }
}
