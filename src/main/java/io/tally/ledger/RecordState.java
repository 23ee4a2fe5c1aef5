package io.tally.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A consolidated record: its current field values and, as Eventbase keeps them, when it was
 * created and last modified, how many changes it has had and its version.
 *
 * @param live     false before creation and after deletion
 * @param changes  accepted changes since the record was (last) created, the create included
 * @param version  the sequence of the record's last transaction; keeps counting across
 *                 delete and re-create so the audit log of a key never repeats a number
 */
public record RecordState(
        String resource,
        String id,
        boolean live,
        SortedMap<String, BigDecimal> fields,
        Instant created,
        Instant modified,
        long changes,
        long version) {

    public RecordState {
        fields = Collections.unmodifiableSortedMap(new TreeMap<>(fields == null ? Collections.emptySortedMap() : fields));
    }

    public static RecordState absent(String resource, String id) {
        return new RecordState(resource, id, false, Collections.emptySortedMap(), null, null, 0, 0);
    }

    public BigDecimal value(String field) {
        return fields.get(field);
    }

    public String key() {
        return RecordKey.of(resource, id);
    }
}
