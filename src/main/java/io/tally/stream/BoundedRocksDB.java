package io.tally.stream;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the off-heap memory of every RocksDB store of the instance: one block cache shared by
 * all stores, with the memtables charged against it through a write buffer manager, and index
 * and filter blocks kept in the cache rather than beside it. Without this each store (seven kinds
 * × partitions, and the dedupe windows' segments) takes its own 50 MB cache and up to three
 * 16 MB memtables, and memory grows with the partitions a pod owns. The total is
 * {@link #MEMORY_CONFIG} (setting {@code rocksdbMemoryBytes}); half of it may be memtables.
 *
 * <p>Each store's memtable is kept to its share of that half among the stores an instance may
 * write at once ({@link #STORES_CONFIG}: every partition's written stores, standbys included, as
 * when one instance owns them all). When the memtables together pass the manager's limit, RocksDB
 * flushes the memtable of the store that is writing at that moment, not the fullest one. With
 * Kafka Streams' 16 MB memtables the stores' memtables together stayed at the limit (56 of 64 MB,
 * seen as the cache's pinned memory), so every write to a busy store flushed a memtable of one
 * entry: thousands of files a minute, then writes stopped while the one flush thread caught up (a
 * few hundred commands/s). With small memtables each store flushes its own when it is full, and
 * the manager's limit is a backstop. A store may keep a few full memtables waiting for the flush
 * thread before its writes stop.
 *
 * <p>With a total of 0 ({@code rocksdbMemoryBytes: 0}) it bounds nothing, and only keeps bloom
 * filters on every level of the dedupe store, whose lookups mostly miss.
 *
 * <p>The bound is RocksDB's, not a hard cap: the cache may go over it while readers pin blocks,
 * and memtables while flushes lag behind writes. When the stores are so many that their share
 * falls below {@link #MIN_WRITE_BUFFER}, their memtables together can reach the manager's limit
 * again: give such an instance a larger bound.
 */
public final class BoundedRocksDB implements RocksDBConfigSetter {
    /** The Streams configuration key carrying the total, in bytes. */
    public static final String MEMORY_CONFIG = "tally.rocksdb.memory.bytes";
    /** When the configuration does not carry a total (it always does from {@link StreamsProperties}). */
    private static final long DEFAULT_TOTAL = 256L * 1024 * 1024;
    /** The Streams configuration key carrying how many stores the memtable budget is divided for. */
    public static final String STORES_CONFIG = "tally.rocksdb.stores";
    /** Stores a task writes on every command or commit: records, history, dedupe (and its next segment), analytics. */
    public static final int WRITTEN_STORES_PER_TASK = 5;
    /** When the configuration does not carry a count: 12 partitions' written stores. */
    private static final int DEFAULT_STORES = 12 * WRITTEN_STORES_PER_TASK;
    private static final long BLOCK_SIZE = 16 * 1024;
    /** The smallest memtable a store gets, however small the budget. */
    private static final long MIN_WRITE_BUFFER = 256 * 1024;
    /** Kafka Streams' own memtable size, the most a store gets however large the budget. */
    private static final long MAX_WRITE_BUFFER = 16L * 1024 * 1024;
    private static final int WRITE_BUFFERS = 4;

    /**
     * One cache and one manager per configuration, shared by every store of the JVM that has it and
     * closed with the JVM. Instances in one JVM with the same settings (the bench, tests) share
     * one bound; with different settings each has its own.
     */
    private static final Map<Budget, Shared> SHARED = new ConcurrentHashMap<>();

    private record Budget(long total, int stores) {
    }

    private record Shared(Cache cache, WriteBufferManager writeBuffers, long writeBuffer) {
        static Shared of(Budget budget) {
            // High-priority pool for index and filter blocks, so data blocks cannot evict them.
            Cache cache = new LRUCache(budget.total(), -1, false, 0.1);
            long memtables = budget.total() / 2;
            return new Shared(cache, new WriteBufferManager(memtables, cache), writeBufferSize(memtables, budget.stores()));
        }
    }

    /** One store's memtable for a budget of all memtables together, shared by {@code stores}. */
    static long writeBufferSize(long memtables, int stores) {
        return Math.max(MIN_WRITE_BUFFER, Math.min(MAX_WRITE_BUFFER, memtables / Math.max(1, stores)));
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        // Kafka Streams leaves the last level without bloom filters, for stores whose reads mostly
        // find their key. Most transaction ids looked up are new: without a filter, each lookup
        // read a data block of the last level (docs/BENCHMARKS.md, fifteenth round).
        if (storeName.startsWith(TallyTopics.DEDUPE_STORE)) {
            options.setOptimizeFiltersForHits(false);
        }
        long total = Long.parseLong(String.valueOf(configs.getOrDefault(MEMORY_CONFIG, DEFAULT_TOTAL)));
        if (total == 0) {
            // rocksdbMemoryBytes: 0, RocksDB's own memory per store.
            return;
        }
        int stores = Integer.parseInt(String.valueOf(configs.getOrDefault(STORES_CONFIG, DEFAULT_STORES)));
        Shared shared = SHARED.computeIfAbsent(new Budget(total, stores), Shared::of);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        table.setBlockSize(BLOCK_SIZE);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(shared.writeBuffers());
        options.setWriteBufferSize(shared.writeBuffer());
        options.setMaxWriteBufferNumber(WRITE_BUFFERS);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the manager are shared by every store: they must outlive any one of them.
    }
}
