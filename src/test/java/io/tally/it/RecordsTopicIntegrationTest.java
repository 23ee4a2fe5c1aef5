package io.tally.it;

import io.tally.Tally;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.RecordState;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tally.records} on a real broker: each changed record is published with its latest state
 * once per commit, as a KTable's output is, so a busy record does not write the topic once per
 * change; deleted records end as tombstones; nothing is published before its commit.
 */
class RecordsTopicIntegrationTest {
    private static final int ADDS = 500;

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void publishesABusyRecordsLatestStatePerCommitAndADeletedRecordAsATombstone() throws Exception {
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), "tally-records-it", 2);
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers());
             Tally tally = Tally.start(settings)) {
            send(producer, "wallets/hot", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"hot\",\"values\":{\"balance\":\"10.00\"}}");
            for (int i = 0; i < ADDS; i++) {
                send(producer, "wallets/hot", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"hot\",\"field\":\"balance\",\"amount\":\"1.00\"}");
            }
            send(producer, "wallets/gone", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"gone\"}");
            send(producer, "wallets/gone", "{\"op\":\"delete\",\"resource\":\"wallets\",\"id\":\"gone\"}");
            producer.flush();

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                List<ConsumerRecord<String, byte[]>> hot = published("wallets/hot");
                assertThat(hot).isNotEmpty();
                RecordState latest = TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, hot.get(hot.size() - 1).value());
                assertThat(latest.value("balance")).isEqualByComparingTo(new BigDecimal("510.00"));
                List<ConsumerRecord<String, byte[]>> gone = published("wallets/gone");
                assertThat(gone).isNotEmpty();
                assertThat(gone.get(gone.size() - 1).value()).as("a deleted record ends as a tombstone").isNull();
            });
            // 501 changes of one record, produced at once, are published in far fewer messages:
            // each commit publishes the record once (a change each was the old behaviour).
            assertThat(published("wallets/hot")).hasSizeLessThan((ADDS + 1) / 2);
            assertThat(KafkaFixture.transactions(broker.bootstrapServers()))
                    .filteredOn(tx -> tx.key().equals("wallets/hot")).hasSize(ADDS + 1);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> published(String key) {
        return KafkaFixture.records(broker.bootstrapServers(), TallyTopics.RECORDS).stream()
                .filter(record -> record.key().equals(key)).toList();
    }

    private static void send(KafkaProducer<String, byte[]> producer, String key, String json) {
        producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, key, json.getBytes(StandardCharsets.UTF_8)));
    }
}
