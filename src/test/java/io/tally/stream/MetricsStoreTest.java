package io.tally.stream;

import io.tally.analytics.Granularity;
import io.tally.analytics.MetricsCodec;
import io.tally.analytics.MutableMetrics;
import io.tally.analytics.OpenBuckets;
import io.tally.ledger.Op;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsStoreTest {
    private MetricsStore store;

    @BeforeEach
    void open() {
        store = MetricsStore.builder(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("metrics"),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled().withLoggingDisabled()).build();
        MockProcessorContext<Void, Void> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void stagesChangesInMemoryUntilKafkaStreamsFlushesBeforeACommit() {
        store.update("k").add(Op.ADD, new BigDecimal("5"));
        store.update("k").add(Op.SUB, new BigDecimal("-2"));

        assertThat(store.read("k").sum()).isEqualByComparingTo("3");
        assertThat(flushed("k")).as("nothing written below before the flush").isNull();

        store.flushCache();

        assertThat(flushed("k")).isNotNull();
        assertThat(MetricsCodec.decode(flushed("k")).count()).isEqualTo(2);
        assertThat(store.read("k").sum()).isEqualByComparingTo("3");
    }

    @Test
    void dropsWhatWasStagedWhenTheTaskIsClosedWithoutACommit() {
        store.update("k").add(Op.ADD, BigDecimal.ONE);
        store.flushCache();
        store.update("k").add(Op.ADD, BigDecimal.TEN);

        store.clearCache();

        assertThat(store.read("k").sum()).as("the committed value, read back from below").isEqualByComparingTo("1");
    }

    @Test
    void deleteDropsAStagedChangeToo() {
        store.update("k").add(Op.ADD, BigDecimal.ONE);
        store.flushCache();
        store.update("k").add(Op.ADD, BigDecimal.ONE);

        store.delete("k");
        store.flushCache();

        assertThat(store.read("k")).isNull();
        assertThat(flushed("k")).isNull();
    }

    @Test
    void aKeyChangedAgainAfterItsDeleteIsWrittenOnceWithOnlyTheNewChange() {
        store.update("k").add(Op.ADD, BigDecimal.ONE);
        store.delete("k");
        store.update("k").add(Op.ADD, BigDecimal.TEN);
        store.update("k").add(Op.ADD, BigDecimal.TEN);

        store.flushCache();

        assertThat(MetricsCodec.decode(flushed("k")).sum()).isEqualByComparingTo("20");
        assertThat(MetricsCodec.decode(flushed("k")).count()).isEqualTo(2);
    }

    @Test
    void aClearedStoreStagesAnewAndWritesNothingItDroppedAtTheNextFlush() {
        store.update("a").add(Op.ADD, BigDecimal.ONE);
        store.clearCache();
        store.update("b").add(Op.ADD, BigDecimal.TEN);

        store.flushCache();

        assertThat(flushed("a")).isNull();
        assertThat(MetricsCodec.decode(flushed("b")).sum()).isEqualByComparingTo("10");
    }

    @Test
    void aFlushThatFailsLeavesEveryChangeStagedForTheNext() {
        store.update("a").add(Op.ADD, BigDecimal.ONE);
        // More than 600 digits cannot be stored: encoding it fails the flush after "a" was encoded.
        store.update("b").add(Op.ADD, new BigDecimal(java.math.BigInteger.TEN.pow(700)));

        org.assertj.core.api.Assertions.assertThatThrownBy(store::flushCache).isInstanceOf(IllegalArgumentException.class);
        store.delete("b");
        store.flushCache();

        assertThat(flushed("a")).as("the change to a, staged before the failed flush").isNotNull();
        assertThat(MetricsCodec.decode(flushed("a")).sum()).isEqualByComparingTo("1");
    }

    @Test
    void keepsTheMostRecentlyUsedDecodedAfterAFlushAndReadsTheRestBackFromBelow() {
        for (int i = 0; i < MetricsStore.RECENT_METRICS + 10; i++) {
            store.update("k" + i).add(Op.ADD, BigDecimal.valueOf(i));
        }
        store.flushCache();

        for (int i = 0; i < MetricsStore.RECENT_METRICS + 10; i++) {
            assertThat(store.update("k" + i).toMetrics().sum()).isEqualByComparingTo(BigDecimal.valueOf(i));
        }
    }

    @Test
    void aTakenKeyIsDeletedBelowAtTheNextFlush() {
        store.update("i|k").add(Op.ADD, BigDecimal.ONE);
        store.flushCache();

        assertThat(store.take("i|k").toMetrics().sum()).isEqualByComparingTo("1");
        assertThat(flushed("i|k")).as("deleted at the flush, not before").isNotNull();
        store.flushCache();

        assertThat(flushed("i|k")).isNull();
        assertThat(store.take("i|k")).isNull();
    }

    @Test
    void aRecordsOpenBucketsAreReadBackFromBelow() {
        store.open("o|wallets|balance|w1").open(Granularity.DAY, 1_760_000_000L, one());
        store.flushCache();
        store.clearCache();

        OpenBuckets back = store.readOpen("o|wallets|balance|w1");
        assertThat(back.start(Granularity.DAY)).isEqualTo(1_760_000_000L);
        assertThat(back.metrics(Granularity.DAY).toMetrics().count()).isEqualTo(1);
        assertThat(OpenBuckets.decode(flushed("o|wallets|balance|w1")).metrics(Granularity.DAY)).isNotNull();
    }

    private static MutableMetrics one() {
        MutableMetrics metrics = new MutableMetrics();
        metrics.add(Op.ADD, BigDecimal.ONE);
        metrics.addRecord();
        return metrics;
    }

    private byte[] flushed(String key) {
        try (KeyValueIterator<String, byte[]> entries = store.range(key, key)) {
            return entries.hasNext() ? entries.next().value : null;
        }
    }
}
