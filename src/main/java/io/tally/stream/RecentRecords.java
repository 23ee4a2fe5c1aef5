package io.tally.stream;

import io.tally.ledger.RecordState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded, least-recently-used map of the records a task touched last, written through with
 * the records store so it never holds a state the store does not. It belongs to one task's
 * processor and is used from its stream thread only.
 */
final class RecentRecords extends LinkedHashMap<String, RecordState> {
    private final int capacity;

    RecentRecords(int capacity) {
        super(capacity * 4 / 3 + 1, 0.75f, true);
        this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, RecordState> eldest) {
        return size() > capacity;
    }
}
