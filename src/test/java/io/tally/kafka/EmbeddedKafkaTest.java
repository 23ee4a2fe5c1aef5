package io.tally.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** One broker for the class; tests that restart it leave it running on the same port and directory. */
class EmbeddedKafkaTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;
    static EmbeddedKafka broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.start(dataDir, 0);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void keepsCommittedRecordsAcrossARestartOnTheSamePortAndDirectory() throws Exception {
        String topic = "restart-round-trip";
        createTopic(topic);
        String bootstrap = broker.bootstrapServers();
        try (KafkaProducer<String, String> producer = transactionalProducer("restart-round-trip")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "w1", "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "w1", "aborted"));
            producer.abortTransaction();
            assertThat(readCommitted(topic, 1)).containsExactly("committed");

            broker.restart();

            assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(readCommitted(topic, 1)).containsExactly("committed");
            // The producer from before the restart reconnects and its transactions still commit.
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "w1", "after restart"));
            producer.commitTransaction();
        }
        assertThat(readCommitted(topic, 2)).containsExactly("committed", "after restart");
    }

    @Test
    void aNewStartOnTheSameDirectoryKeepsTopicsAndData() throws Exception {
        String topic = "new-start";
        createTopic(topic);
        try (KafkaProducer<String, String> producer = transactionalProducer("new-start")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "w1", "kept"));
            producer.commitTransaction();
        }
        int port = broker.port();
        broker.close();

        broker = EmbeddedKafka.start(dataDir, port);

        try (Admin admin = admin()) {
            assertThat(admin.listTopics().names().get()).contains(topic);
        }
        assertThat(readCommitted(topic, 1)).containsExactly("kept");
    }

    @Test
    void stopIsIdempotentAndRestartBringsItBack() throws Exception {
        broker.stop();
        broker.stop();
        assertThat(broker.isRunning()).isFalse();

        broker.restart();

        assertThat(broker.isRunning()).isTrue();
        try (Admin admin = admin()) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
        }
    }

    @Test
    void refusesAPortThatIsTaken(@TempDir Path otherDir) throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));

            assertThatThrownBy(() -> EmbeddedKafka.start(otherDir, taken.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort() + " is in use");
        }
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()))).all().get();
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static KafkaProducer<String, String> transactionalProducer(String transactionalId) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    /** The values of partition 0 as a read_committed consumer sees them, once {@code count} arrived. */
    private static List<String> readCommitted(String topic, int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            List<String> values = new ArrayList<>();
            await().atMost(PATIENCE).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    values.add(record.value());
                }
                return values.size() >= count;
            });
            return values;
        }
    }
}
