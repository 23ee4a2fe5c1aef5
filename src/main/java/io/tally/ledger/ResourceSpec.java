package io.tally.ledger;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A named kind of record and its tracked fields.
 *
 * @param createOnFirstUse true for counters: a change to a missing record creates it; false for
 *                         wallets: changes wait until the record is created
 */
public record ResourceSpec(String name, SortedMap<String, FieldSpec> fields, boolean createOnFirstUse,
                           Consistency consistency) {

    public ResourceSpec {
        fields = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(fields));
    }

    public static ResourceSpec of(String name, boolean createOnFirstUse, FieldSpec... fields) {
        SortedMap<String, FieldSpec> byName = new TreeMap<>();
        for (FieldSpec field : fields) {
            byName.put(field.name(), field);
        }
        return new ResourceSpec(name, byName, createOnFirstUse,
                createOnFirstUse ? Consistency.ASYNC : Consistency.SYNC);
    }

    public FieldSpec field(String fieldName) {
        return fields.get(fieldName);
    }

    /** Every field at its initial value: the values of a record created without any. */
    public SortedMap<String, java.math.BigDecimal> initialValues() {
        SortedMap<String, java.math.BigDecimal> values = new TreeMap<>();
        for (Map.Entry<String, FieldSpec> field : fields.entrySet()) {
            values.put(field.getKey(), field.getValue().initial());
        }
        return values;
    }
}
