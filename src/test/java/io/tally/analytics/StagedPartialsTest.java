package io.tally.analytics;

import io.tally.ledger.Op;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StagedPartialsTest {
    private final Map<String, byte[]> below = new HashMap<>();
    private final StagedPartials staged = new StagedPartials(below::get);

    @Test
    void keepsARecordsOpenBucketsAsTheMemoryOfFiveMetrics() {
        for (int i = 0; i < 100; i++) {
            staged.open("o|wallets|balance|w" + i).open(Granularity.DAY, 0, new MutableMetrics());
            staged.update("r|wallets|balance|D|" + i).add(Op.ADD, BigDecimal.ONE);
        }
        writeBelow();

        staged.keepRecent(300);

        // 100 metrics and 100 open buckets weigh 600: the eldest half goes, open buckets and metrics alike.
        assertThat(staged.size()).isEqualTo(100);
        assertThat(staged.readOpen("o|wallets|balance|w99")).isNotNull();
        assertThat(staged.read("r|wallets|balance|D|99").count()).as("read back from below when dropped").isEqualTo(1);
    }

    @Test
    void keepsEveryChangedValueHoweverMuchItWeighs() {
        for (int i = 0; i < 10; i++) {
            staged.open("o|wallets|balance|w" + i).open(Granularity.DAY, 0, new MutableMetrics());
        }

        staged.keepRecent(0);

        assertThat(staged.size()).isEqualTo(10);
        writeBelow();
        assertThat(below).hasSize(10);
    }

    @Test
    void remembersNoAbsenceWhenNothingWasTaken() {
        assertThat(staged.take("i|wallets|balance|H|1|w1")).isNull();

        assertThat(staged.size()).isZero();
    }

    @Test
    void deletesAKeyWithoutReadingWhatItHolds() {
        below.put("i|wallets|balance|H|1|w1", new byte[] {42});
        below.put("o|wallets|balance|w1", new byte[] {42});

        staged.remove("i|wallets|balance|H|1|w1");
        staged.remove("o|wallets|balance|w1");
        writeBelow();

        assertThat(below).isEmpty();
    }

    private void writeBelow() {
        staged.drain(entries -> entries.forEach(entry -> {
            if (entry.getValue() == null) {
                below.remove(entry.getKey());
            } else {
                below.put(entry.getKey(), entry.getValue());
            }
        }));
    }
}
