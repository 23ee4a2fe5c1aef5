package io.tally.stream;

import io.tally.analytics.Metrics;
import io.tally.analytics.MetricsCodec;
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
        Metrics five = Metrics.EMPTY.plus(Op.ADD, new BigDecimal("5"));
        store.write("k", five);
        store.write("k", five.plus(Op.SUB, new BigDecimal("-2")));

        assertThat(store.read("k").sum()).isEqualByComparingTo("3");
        assertThat(flushed("k")).as("nothing written below before the flush").isNull();

        store.flushCache();

        assertThat(flushed("k")).isNotNull();
        assertThat(MetricsCodec.decode(flushed("k")).count()).isEqualTo(2);
        assertThat(store.read("k").sum()).isEqualByComparingTo("3");
    }

    @Test
    void dropsWhatWasStagedWhenTheTaskIsClosedWithoutACommit() {
        store.write("k", Metrics.EMPTY.plus(Op.ADD, BigDecimal.ONE));
        store.flushCache();
        store.write("k", store.read("k").plus(Op.ADD, BigDecimal.TEN));

        store.clearCache();

        assertThat(store.read("k").sum()).as("the committed value, read back from below").isEqualByComparingTo("1");
    }

    @Test
    void deleteDropsAStagedChangeToo() {
        store.write("k", Metrics.EMPTY.plus(Op.ADD, BigDecimal.ONE));
        store.flushCache();
        store.write("k", store.read("k").plus(Op.ADD, BigDecimal.ONE));

        store.delete("k");
        store.flushCache();

        assertThat(store.read("k")).isNull();
        assertThat(flushed("k")).isNull();
    }

    private byte[] flushed(String key) {
        try (KeyValueIterator<String, byte[]> entries = store.range(key, key)) {
            return entries.hasNext() ? entries.next().value : null;
        }
    }
}
