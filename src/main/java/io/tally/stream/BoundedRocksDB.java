package io.tally.stream;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;

/**
 * Bounds the off-heap memory of every RocksDB store of the instance: one block cache shared by
 * all stores, with the memtables charged against it through a write buffer manager, and index
 * and filter blocks kept in the cache rather than beside it. Without this each store (four kinds
 * × partitions) takes its own cache and memtables, and memory grows with the partitions a pod
 * owns. The total is {@link #MEMORY_CONFIG} (setting {@code rocksdbMemoryBytes}); a quarter of
 * it may be memtables.
 */
public final class BoundedRocksDB implements RocksDBConfigSetter {
    /** The Streams configuration key carrying the total, in bytes. */
    public static final String MEMORY_CONFIG = "tally.rocksdb.memory.bytes";
    private static final long BLOCK_SIZE = 16 * 1024;

    /** One cache and one manager per JVM, shared by every store (and closed with the JVM). */
    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    private static synchronized void share(long total) {
        if (cache == null) {
            // High-priority pool for index and filter blocks, so data blocks cannot evict them.
            cache = new LRUCache(total, -1, false, 0.1);
            writeBuffers = new WriteBufferManager(total / 4, cache);
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        share(Long.parseLong(String.valueOf(configs.getOrDefault(MEMORY_CONFIG, 128L * 1024 * 1024))));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        table.setBlockSize(BLOCK_SIZE);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(writeBuffers);
        options.setMaxWriteBufferNumber(2);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the manager are shared by every store: they must outlive any one of them.
    }
}
