package io.tally.analytics;

import io.tally.ledger.RecordKey;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.ToIntFunction;

/**
 * Partial analytics held in sorted maps, one per partition: what the CLI reads from the analytics
 * changelog, and what tests build by hand.
 */
public final class InMemoryPartials implements PartialStores {
    private final List<NavigableMap<String, byte[]>> partitions = new ArrayList<>();
    private final ToIntFunction<String> partitionOfRecord;

    /** @param partitionOfRecord the partition of a record key {@code resource/id} */
    public InMemoryPartials(int partitionCount, ToIntFunction<String> partitionOfRecord) {
        for (int i = 0; i < partitionCount; i++) {
            partitions.add(new TreeMap<>());
        }
        this.partitionOfRecord = partitionOfRecord;
    }

    /** Sets a key of a partition; a null value removes it, as a tombstone does. */
    public void put(int partition, String key, byte[] value) {
        if (value == null) {
            partitions.get(partition).remove(key);
        } else {
            partitions.get(partition).put(key, value);
        }
    }

    public int partitionCount() {
        return partitions.size();
    }

    /** Every entry of a partition, in key order. */
    public java.util.SortedMap<String, byte[]> entries(int partition) {
        return java.util.Collections.unmodifiableSortedMap(partitions.get(partition));
    }

    @Override
    public List<Partition> all() {
        return partitions.stream().map(InMemoryPartials::view).toList();
    }

    @Override
    public Partition ownerOf(String resource, String id) {
        return view(partitions.get(partitionOfRecord.applyAsInt(RecordKey.of(resource, id))));
    }

    private static Partition view(NavigableMap<String, byte[]> map) {
        return new Partition() {
            @Override
            public byte[] get(String key) {
                return map.get(key);
            }

            @Override
            public void range(String from, String to, BiConsumer<String, byte[]> each) {
                map.subMap(from, true, to, true).forEach(each);
            }
        };
    }
}
