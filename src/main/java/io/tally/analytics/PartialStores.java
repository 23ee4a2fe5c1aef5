package io.tally.analytics;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Where the partial analytics are: one store per partition of the ledger. The Kafka Streams
 * implementation reads the stores of this instance's active tasks; tests use maps.
 */
public interface PartialStores {

    /** One partition's analytics store; values are {@link MetricsCodec} bytes. */
    interface Partition {
        byte[] get(String key);

        /** Every entry with {@code from <= key <= to}, in key order. */
        void range(String from, String to, BiConsumer<String, byte[]> each);
    }

    /** Every partition, each once. */
    List<Partition> all();

    /**
     * Every partition of the ledger, each once, wherever it is active, for a query that reads
     * them one after another so it never holds more than one partition's entries. By default
     * {@link #all()}; across instances, a partition active elsewhere is read over HTTP.
     */
    default List<Partition> everyPartition() {
        return all();
    }

    /** The partition that holds the record {@code resource/id}. */
    Partition ownerOf(String resource, String id);

    /** Every entry of every partition with {@code from <= key <= to}, each partition in key order. */
    default void range(String from, String to, BiConsumer<String, byte[]> each) {
        for (Partition partition : all()) {
            partition.range(from, to, each);
        }
    }
}
