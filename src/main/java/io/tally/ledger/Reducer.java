package io.tally.ledger;

import java.math.BigDecimal;

/**
 * How a field folds a signed change into its value for add, sub, increment and decrement
 * ({@code set} always replaces the value). Built-ins are in {@link Reducers}; others can be
 * supplied through {@link java.util.ServiceLoader} by listing an implementation in
 * {@code META-INF/services/io.tally.ledger.Reducer}.
 *
 * <p>A reducer must be a pure function: replay of the audit log depends on it giving the same
 * answer for the same inputs, forever.
 */
public interface Reducer {

    /** The name configuration refers to, e.g. {@code sum}. */
    String name();

    /**
     * @param current the field's value before the change
     * @param change  the command's amount, negative for sub and decrement
     */
    BigDecimal reduce(BigDecimal current, BigDecimal change);
}
