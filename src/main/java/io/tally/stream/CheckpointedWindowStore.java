package io.tally.stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

import java.time.Instant;

/**
 * A RocksDB window store whose changelog offset Kafka Streams keeps in a checkpoint file
 * ({@code .checkpoint_<store>}, written on a clean close) rather than in the store itself. Kafka
 * Streams 4.3's segmented stores keep it only in their segments, so a store without a segment (one
 * never written, as the dedupe store of earlier versions now is, or a task that has had no command
 * with an id) has none, and under exactly-once a store without an offset makes every start treat
 * its task as corrupted: the whole task's state was wiped and restored from the changelogs on every
 * restart, clean or not.
 */
final class CheckpointedWindowStore extends WrappedStateStore<WindowStore<Bytes, byte[]>, Bytes, byte[]>
        implements WindowStore<Bytes, byte[]> {

    static WindowBytesStoreSupplier of(WindowBytesStoreSupplier inner) {
        return new WindowBytesStoreSupplier() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public WindowStore<Bytes, byte[]> get() {
                return new CheckpointedWindowStore(inner.get());
            }

            @Override
            public String metricsScope() {
                return inner.metricsScope();
            }

            @Override
            public long segmentIntervalMs() {
                return inner.segmentIntervalMs();
            }

            @Override
            public long windowSize() {
                return inner.windowSize();
            }

            @Override
            public boolean retainDuplicates() {
                return inner.retainDuplicates();
            }

            @Override
            public long retentionPeriod() {
                return inner.retentionPeriod();
            }
        };
    }

    private CheckpointedWindowStore(WindowStore<Bytes, byte[]> inner) {
        super(inner);
    }

    @Override
    public boolean managesOffsets() {
        return false;
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return null;
    }

    @Override
    public void put(Bytes key, byte[] value, long windowStartTimestamp) {
        wrapped().put(key, value, windowStartTimestamp);
    }

    @Override
    public byte[] fetch(Bytes key, long time) {
        return wrapped().fetch(key, time);
    }

    @Override
    public WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
        return wrapped().fetch(key, timeFrom, timeTo);
    }

    @Override
    public WindowStoreIterator<byte[]> fetch(Bytes key, Instant from, Instant to) {
        return wrapped().fetch(key, from, to);
    }

    @Override
    public WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
        return wrapped().backwardFetch(key, timeFrom, timeTo);
    }

    @Override
    public WindowStoreIterator<byte[]> backwardFetch(Bytes key, Instant from, Instant to) {
        return wrapped().backwardFetch(key, from, to);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
        return wrapped().fetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo, Instant from, Instant to) {
        return wrapped().fetch(keyFrom, keyTo, from, to);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
        return wrapped().backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo, Instant from, Instant to) {
        return wrapped().backwardFetch(keyFrom, keyTo, from, to);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
        return wrapped().fetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(Instant from, Instant to) {
        return wrapped().fetchAll(from, to);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
        return wrapped().backwardFetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(Instant from, Instant to) {
        return wrapped().backwardFetchAll(from, to);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
        return wrapped().backwardAll();
    }
}
