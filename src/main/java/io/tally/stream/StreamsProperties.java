package io.tally.stream;

import io.tally.config.Settings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Properties;

/** Kafka Streams configuration from Tally's settings; every option that changes behaviour is set here explicitly. */
public final class StreamsProperties {
    /** Kafka Streams' own {@code poll.ms}. */
    private static final long DEFAULT_POLL_MS = 100;
    /** Kafka Streams' record cache, shared by the stream threads of the instance. */
    static final long RECORD_CACHE_BYTES = 16L * 1024 * 1024;

    private StreamsProperties() {
    }

    /**
     * @param applicationServer {@code host:port} of this instance's REST API, or null when it has none
     * @param partitions        the command topic's partitions: every task this instance may own
     */
    public static Properties of(Settings settings, String bootstrapServers, String applicationServer, int partitions) {
        Properties props = new Properties();
        props.putAll(settings.kafkaProperties());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, settings.standbyReplicas());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, settings.processingGuarantee());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitInterval().toMillis());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads());
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, settings.replicationFactor());
        if (applicationServer != null) {
            // Lets every instance find the owner of a key and the others' partitions (queries route).
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        // Bounded memory for the record cache in front of the records store, which conflates a
        // busy record's writes within a commit. The analytics store conflates on its own
        // (MetricsStore) and the audit log never passes through a cache. A commit's changed records
        // need a few MB (5,000 records at 50,000 commands/s and 100 ms); the rest of the cache only
        // keeps clean records for reading, which the ledger's decoded records and RocksDB's block
        // cache already do. On the heap it weighs about twice what Kafka Streams counts: at
        // 64 MB it held 140 MB with a million records (docs/BENCHMARKS.md, "Memory and state").
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, RECORD_CACHE_BYTES);
        // Installed even without a bound (0): it also keeps the dedupe store's bloom filters.
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDB.class);
        props.put(BoundedRocksDB.MEMORY_CONFIG, settings.rocksdbMemoryBytes());
        if (settings.rocksdbMemoryBytes() > 0) {
            // As if this instance owned every task and its standbys: it does after the others fail.
            props.put(BoundedRocksDB.STORES_CONFIG,
                    partitions * BoundedRocksDB.WRITTEN_STORES_PER_TASK * (1 + settings.standbyReplicas()));
        }
        // A task reads one partition of one topic, so there is nothing to wait for before processing;
        // waiting (the default, 0) makes Kafka Streams check and describe every idle partition per loop.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // A task's input is keyed commands only; reading them in offset order is what the ledger needs.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Snappy rather than lz4: every commit closes a batch per partition written, and Kafka's lz4
        // stream allocates two 64 KB blocks per batch (14 µs a batch here, against 0.8 µs for snappy).
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "snappy");
        // Nothing the stream writes is visible to a read_committed reader before the commit, and the
        // commit sends whatever is still lingering; so batches may fill until then. A 5 ms linger sent
        // a batch of two or three records per partition, and the broker and the producer spent
        // 28 µs a command on them (10 µs with this; docs/BENCHMARKS.md).
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG),
                (int) Math.min(Integer.MAX_VALUE, settings.commitInterval().toMillis()));
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 64 * 1024);
        // The main consumer keeps Kafka's fetch defaults: the broker answers as soon as a command
        // arrives, else after 500 ms. Waiting up to 10 ms for 64 KB saved fetches only while the REST
        // producer sent each write alone; it lingers 5 ms now, and the wait made an idle stream
        // thread fetch 100 times a second (4–7% of a core) and added 4–8 ms to the median sync write
        // at 500 writes/s (docs/BENCHMARKS.md, sixteenth round).
        // A sync write held back by the spacing of prompt commits is committed by a punctuation,
        // which runs only between polls: an idle thread must not block in poll for longer.
        long spacing = settings.syncCommitSpacing().toMillis();
        if (spacing > 0 && spacing < DEFAULT_POLL_MS) {
            props.put(StreamsConfig.POLL_MS_CONFIG, spacing);
        }
        return props;
    }
}
