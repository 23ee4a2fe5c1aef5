package io.tally.http;

import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.Op;
import io.tally.ledger.RejectionCode;
import io.tally.ledger.Transaction;
import io.tally.stream.RejectionRecord;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The outcome reader against a real broker: values that do not read are skipped, not fatal. */
class CommittedOutcomesReadingTest {
    private static final Instant AT = Instant.parse("2026-12-05T12:00:00Z");

    @TempDir
    static Path dataDir;
    static EmbeddedKafka broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafka.start(dataDir, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TallyTopics.TRANSACTIONS, Optional.of(1), Optional.empty()),
                    new NewTopic(TallyTopics.REJECTIONS, Optional.of(1), Optional.empty()))).all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void anUnreadableRejectionForAWaitingWriteDoesNotStopTheAnswersToOthers() {
        try (CommittedOutcomes outcomes = new CommittedOutcomes(Map.of("bootstrap.servers", broker.bootstrapServers()));
             KafkaProducer<String, byte[]> producer = producer()) {
            CompletableFuture<CommittedOutcomes.Outcome> unreadable = outcomes.expect("wallets/w1", "tx-unreadable");
            CompletableFuture<CommittedOutcomes.Outcome> after = outcomes.expect("wallets/w1", "tx-after");

            send(producer, TallyTopics.REJECTIONS, "{\"txId\": \"tx-unreadable\", \"code\": \"NO_SUCH_CODE\"}",
                    TallyTopology.REJECTION_SERDE.serialize(TallyTopics.REJECTIONS, rejection("tx-after")));

            await().atMost(Duration.ofSeconds(30)).until(after::isDone);
            assertThat(after.join()).isInstanceOfSatisfying(CommittedOutcomes.Refused.class,
                    refused -> assertThat(refused.rejection().txId()).isEqualTo("tx-after"));
            assertThat(unreadable).isNotDone();
            assertThat(outcomes.stopped()).isNull();
        }
    }

    @Test
    void writesToTwoRecordsWithOneTxIdEachGetTheirOwnRecordsOutcome() {
        try (CommittedOutcomes outcomes = new CommittedOutcomes(Map.of("bootstrap.servers", broker.bootstrapServers()));
             KafkaProducer<String, byte[]> producer = producer()) {
            CompletableFuture<CommittedOutcomes.Outcome> first = outcomes.expect("wallets/w1", "tx-shared");
            CompletableFuture<CommittedOutcomes.Outcome> second = outcomes.expect("wallets/w2", "tx-shared");

            producer.send(new ProducerRecord<>(TallyTopics.TRANSACTIONS, "wallets/w2",
                    TallyTopology.TRANSACTION_SERDE.serialize(TallyTopics.TRANSACTIONS, transaction("tx-shared"))));
            producer.flush();
            await().atMost(Duration.ofSeconds(30)).until(second::isDone);
            assertThat(first).as("the other record's outcome is not this one's").isNotDone();

            producer.send(new ProducerRecord<>(TallyTopics.REJECTIONS, "wallets/w1",
                    TallyTopology.REJECTION_SERDE.serialize(TallyTopics.REJECTIONS, rejection("tx-shared"))));
            producer.flush();
            await().atMost(Duration.ofSeconds(30)).until(first::isDone);
            assertThat(first.join()).isInstanceOf(CommittedOutcomes.Refused.class);
            assertThat(second.join()).isInstanceOf(CommittedOutcomes.Applied.class);
        }
    }

    @Test
    void anUnreadableTransactionDoesNotStopTheWatchers() {
        try (CommittedOutcomes outcomes = new CommittedOutcomes(Map.of("bootstrap.servers", broker.bootstrapServers()));
             KafkaProducer<String, byte[]> producer = producer()) {
            List<Transaction> watched = new CopyOnWriteArrayList<>();
            outcomes.watch(watched::add);
            CompletableFuture<CommittedOutcomes.Outcome> after = outcomes.expect("wallets/w1", "tx-watched");

            send(producer, TallyTopics.TRANSACTIONS, "{\"txId\": \"tx-broken\", \"amount\": \"not a number\"}",
                    TallyTopology.TRANSACTION_SERDE.serialize(TallyTopics.TRANSACTIONS, transaction("tx-watched")));

            await().atMost(Duration.ofSeconds(30)).until(after::isDone);
            assertThat(after.join()).isInstanceOf(CommittedOutcomes.Applied.class);
            assertThat(watched).extracting(Transaction::txId).containsExactly("tx-watched");
            assertThat(outcomes.stopped()).isNull();
        }
    }

    @Test
    void saysWhyItStoppedWhenItsThreadEndsAndNothingAfterAClose() {
        CommittedOutcomes closed = new CommittedOutcomes(Map.of("bootstrap.servers", broker.bootstrapServers()));
        closed.close();
        assertThat(closed.stopped()).as("closed, not stopped").isNull();

        try (CommittedOutcomes outcomes = new CommittedOutcomes(Map.of("bootstrap.servers", broker.bootstrapServers()));
             KafkaProducer<String, byte[]> producer = producer()) {
            outcomes.watch(transaction -> {
                throw new StackOverflowError("a watcher past saving");
            });
            producer.send(new ProducerRecord<>(TallyTopics.TRANSACTIONS, "wallets/w1",
                    TallyTopology.TRANSACTION_SERDE.serialize(TallyTopics.TRANSACTIONS, transaction("tx-fatal"))));
            producer.flush();

            await().atMost(Duration.ofSeconds(30)).until(() -> outcomes.stopped() != null);
            assertThat(outcomes.stopped()).isEqualTo("the reading thread ended unexpectedly");
        }
    }

    /** Writes a value that does not read, then a valid one, to the same partition. */
    private static void send(KafkaProducer<String, byte[]> producer, String topic, String unreadable, byte[] valid) {
        producer.send(new ProducerRecord<>(topic, "wallets/w1", unreadable.getBytes(StandardCharsets.UTF_8)));
        producer.send(new ProducerRecord<>(topic, "wallets/w1", valid));
        producer.flush();
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static RejectionRecord rejection(String txId) {
        return new RejectionRecord(RejectionCode.UNKNOWN_RESOURCE, "unknown resource 'x'", txId,
                "x", "w1", Op.ADD, "balance", "x/w1", null, null, false, TallyTopics.COMMANDS, 0, 1L, AT, null);
    }

    private static Transaction transaction(String txId) {
        return new Transaction(txId, "wallets", "w1", Op.ADD, "balance", BigDecimal.ONE,
                BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ONE, Map.of(), 1, AT, AT, null);
    }
}
