package io.tally.stream;

import io.tally.config.SettingsLoader;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsPropertiesTest {
    private static Properties of(Map<String, Object> settings) {
        return StreamsProperties.of(SettingsLoader.fromMap(settings), "127.0.0.1:9092", null, 12);
    }

    @Test
    void theStreamsProducerLingersUntilTheCommitThatSendsItsBatchesAnyway() {
        assertThat(of(Map.of()).get(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG))).isEqualTo(100);
        assertThat(of(Map.of("commitInterval", "20ms")).get(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG)))
                .isEqualTo(20);
        assertThat(of(Map.of()).get(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG))).isEqualTo(64 * 1024);
        assertThat(of(Map.of()).get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(100L);
    }

    @Test
    void theMainConsumerFetchesWithKafkasDefaultsSoAnIdleThreadAsksTwiceASecond() {
        Properties props = of(Map.of());
        assertThat(props).doesNotContainKeys(
                StreamsConfig.mainConsumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MIN_BYTES_CONFIG),
                StreamsConfig.mainConsumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                StreamsConfig.consumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
    }

    @Test
    void anIdleThreadPollsNoLongerThanTheSpacingOfPromptCommits() {
        assertThat(of(Map.of("syncCommitInterval", "20ms")).get(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(20L);
        assertThat(of(Map.of("syncCommitInterval", "100ms")).get(StreamsConfig.POLL_MS_CONFIG))
                .as("prompt commits off: Kafka Streams' own poll.ms").isNull();
        assertThat(of(Map.of("syncCommitInterval", "20ms", "processingGuarantee", "at_least_once"))
                .get(StreamsConfig.POLL_MS_CONFIG)).as("nothing waits for a commit without exactly-once").isNull();
    }

    @Test
    void boundsTheStateStoresMemoryUnlessTurnedOff() {
        Properties bounded = of(Map.of());
        assertThat(bounded.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(BoundedRocksDB.class);
        assertThat(bounded.get(BoundedRocksDB.MEMORY_CONFIG)).isEqualTo(256L * 1024 * 1024);
        assertThat(bounded.get(BoundedRocksDB.STORES_CONFIG)).as("12 partitions' written stores").isEqualTo(60);
        assertThat(of(Map.of("standbyReplicas", "1")).get(BoundedRocksDB.STORES_CONFIG)).as("and their standbys").isEqualTo(120);
        Properties unbounded = of(Map.of("rocksdbMemoryBytes", "0"));
        assertThat(unbounded.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).as("for the dedupe store's filters")
                .isEqualTo(BoundedRocksDB.class);
        assertThat(unbounded.get(BoundedRocksDB.MEMORY_CONFIG)).isEqualTo(0L);
        assertThat(unbounded).doesNotContainKeys(BoundedRocksDB.STORES_CONFIG);
    }
}
