package io.tally.stream;

import io.tally.ledger.Catalogs;
import io.tally.ledger.RecordState;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class BoundedRocksDBTest {
    private static final Instant T0 = Instant.parse("2025-10-09T12:00:00Z");
    private static final int WALLETS = 100;
    private static final int ADDS = 100;

    @TempDir
    Path stateDir;

    @Test
    void theDedupeStoreKeepsBloomFiltersOnEveryLevelAndTheOtherStoresKeepKafkaStreamsDefault() {
        org.rocksdb.RocksDB.loadLibrary();
        assertThat(filtersForHitsOnly(TallyTopics.DEDUPE_STORE + ".1764892800000")).isFalse();
        assertThat(filtersForHitsOnly(TallyTopics.LEGACY_DEDUPE_STORE + ".1764892800000")).isTrue();
        assertThat(filtersForHitsOnly(TallyTopics.RECORDS_STORE)).isTrue();
    }

    @Test
    void withoutABoundItOnlyKeepsTheDedupeStoresFilters() {
        org.rocksdb.RocksDB.loadLibrary();
        try (org.rocksdb.Options options = kafkaStreamsOptions()) {
            new BoundedRocksDB().setConfig(TallyTopics.DEDUPE_STORE + ".1764892800000", options,
                    java.util.Map.of(BoundedRocksDB.MEMORY_CONFIG, 0L));
            assertThat(options.optimizeFiltersForHits()).isFalse();
            assertThat(options.writeBufferSize()).as("Kafka Streams' memtable, unbounded").isEqualTo(16L * 1024 * 1024);
            assertThat(options.maxWriteBufferNumber()).isEqualTo(3);
        }
    }

    /** Whether a store of this name is left with Kafka Streams' choice: no filters on the last level. */
    private static boolean filtersForHitsOnly(String storeName) {
        try (org.rocksdb.Options options = kafkaStreamsOptions()) {
            new BoundedRocksDB().setConfig(storeName, options, java.util.Map.of());
            return options.optimizeFiltersForHits();
        }
    }

    /** Options as Kafka Streams hands them to the config setter (the parts it sets that matter here). */
    private static org.rocksdb.Options kafkaStreamsOptions() {
        org.rocksdb.Options options = new org.rocksdb.Options();
        options.setTableFormatConfig(new org.rocksdb.BlockBasedTableConfig());
        options.setOptimizeFiltersForHits(true);
        options.setWriteBufferSize(16L * 1024 * 1024);
        options.setMaxWriteBufferNumber(3);
        return options;
    }

    @Test
    void aSmallBudgetKeepsEveryChangeAndFlushesFullMemtablesNotOneFilePerWrite() throws IOException {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tally-bounded");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDB.class);
        // 4 MB (below what the settings allow, to be quick): 2 MB of memtables for one task's five
        // written stores, 409 KB each. Before, this budget wrote an SST file per write.
        props.put(BoundedRocksDB.MEMORY_CONFIG, 4L * 1024 * 1024);
        props.put(BoundedRocksDB.STORES_CONFIG, BoundedRocksDB.WRITTEN_STORES_PER_TASK);
        try (TopologyTestDriver driver = new TopologyTestDriver(
                TallyTopology.build(Catalogs.ledger(), Duration.ofHours(1), 1024, TallyTopologyTest.ANALYTICS), props, T0)) {
            TestInputTopic<String, byte[]> commands = driver.createInputTopic(TallyTopics.COMMANDS,
                    new StringSerializer(), new ByteArraySerializer());
            for (int w = 0; w < WALLETS; w++) {
                send(commands, w, "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w" + w + "\"}");
            }
            for (int i = 0; i < ADDS; i++) {
                for (int w = 0; w < WALLETS; w++) {
                    send(commands, w, "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w" + w
                            + "\",\"field\":\"balance\",\"amount\":\"1.25\",\"txId\":\"t" + i + "-" + w + "\"}");
                }
            }

            KeyValueStore<String, byte[]> records = driver.getKeyValueStore(TallyTopics.RECORDS_STORE);
            for (int w = 0; w < WALLETS; w++) {
                RecordState wallet = TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, records.get("wallets/w" + w));
                assertThat(wallet.value("balance")).isEqualByComparingTo(new BigDecimal("125.00"));
            }
            assertThat(driver.createOutputTopic(TallyTopics.TRANSACTIONS, new StringDeserializer(), new StringDeserializer())
                    .getQueueSize()).isEqualTo(WALLETS * (ADDS + 1));
            // 10,100 history entries of ~400 bytes fill about ten memtables of 409 KB. RocksDB numbers
            // every file it creates, so the highest number bounds the flushes and compactions so far.
            // The write-buffer manager flushes some memtables early, as its background threads find
            // the budget full: 90 to 219 here, by timing. One file per write would be past 10,000.
            Path history = stateDir.resolve("tally-bounded/0_0/rocksdb/" + TallyTopics.HISTORY_STORE);
            assertThat(files(history, ".sst")).as("full memtables were flushed").isNotEmpty();
            assertThat(highestFileNumber(history)).as("files created, against %d writes", WALLETS * (ADDS + 1))
                    .isLessThanOrEqualTo(WALLETS * (ADDS + 1) / 10L);
        }
    }

    @Test
    void dividesTheMemtableBudgetAmongTheStoresWithinRocksDBsOwnLimits() {
        assertThat(BoundedRocksDB.writeBufferSize(128L * 1024 * 1024, 64)).isEqualTo(2 * 1024 * 1024);
        assertThat(BoundedRocksDB.writeBufferSize(128L * 1024 * 1024, 128)).as("twice the stores, half each")
                .isEqualTo(1024 * 1024);
        assertThat(BoundedRocksDB.writeBufferSize(16L * 1024 * 1024, 120)).isEqualTo(256 * 1024);
        assertThat(BoundedRocksDB.writeBufferSize(1024L * 1024 * 1024, 12)).isEqualTo(16 * 1024 * 1024);
    }

    private static void send(TestInputTopic<String, byte[]> commands, int wallet, String json) {
        commands.pipeInput("wallets/w" + wallet, json.getBytes(StandardCharsets.UTF_8), T0);
    }

    private static long highestFileNumber(Path store) throws IOException {
        List<String> numbered = files(store, ".sst");
        numbered.addAll(files(store, ".log"));
        return numbered.stream().mapToLong(name -> Long.parseLong(name.substring(0, name.indexOf('.')))).max().orElse(0);
    }

    private static List<String> files(Path store, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(store)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(suffix))
                    .collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
        }
    }
}
