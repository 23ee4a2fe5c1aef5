package io.tally.ledger;

import java.math.BigDecimal;

/**
 * A tracked numeric field of a resource.
 *
 * @param name    the field name, a dot path for nested fields ({@code stats.clicks})
 * @param scale   decimal places every value and amount of the field has
 * @param minimum the lowest value allowed, or null for none (a wallet balance with minimum 0 never goes negative)
 * @param maximum the highest value allowed, or null for none
 * @param initial the value of the field when its record is created without one
 * @param reducer how add/sub/increment/decrement fold into the value
 */
public record FieldSpec(String name, int scale, BigDecimal minimum, BigDecimal maximum, BigDecimal initial,
                        Reducer reducer) {

    public static FieldSpec sum(String name, int scale) {
        return new FieldSpec(name, scale, null, null, BigDecimal.ZERO.setScale(scale), Reducers.SUM);
    }

    public FieldSpec withMinimum(BigDecimal lowest) {
        return new FieldSpec(name, scale, lowest, maximum, initial, reducer);
    }

    public FieldSpec withMaximum(BigDecimal highest) {
        return new FieldSpec(name, scale, minimum, highest, initial, reducer);
    }

    public FieldSpec withReducer(Reducer folding) {
        return new FieldSpec(name, scale, minimum, maximum, initial, folding);
    }
}
