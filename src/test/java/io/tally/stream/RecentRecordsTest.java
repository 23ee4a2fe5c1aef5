package io.tally.stream;

import io.tally.ledger.RecordState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecentRecordsTest {
    @Test
    void evictsTheLeastRecentlyUsedBeyondItsCapacity() {
        RecentRecords recent = new RecentRecords(2);
        recent.put("wallets/a", RecordState.absent("wallets", "a"));
        recent.put("wallets/b", RecordState.absent("wallets", "b"));
        recent.get("wallets/a");
        recent.put("wallets/c", RecordState.absent("wallets", "c"));

        assertThat(recent).containsOnlyKeys("wallets/a", "wallets/c");
    }
}
