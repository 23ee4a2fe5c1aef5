package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.Tally;
import io.tally.audit.Verifier;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.RecordState;
import io.tally.ledger.Transaction;
import io.tally.stream.Json;
import io.tally.stream.RejectionRecord;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Transfers as a saga through a crash: 10,000 random transfers among 1,000 wallets bounded at 0,
 * over 8 partitions, some to wallets that do not exist, with one of two instances killed (SIGKILL)
 * halfway. Afterwards no money was created or destroyed, every transfer ended completed,
 * compensated or rejected, and no step was applied twice.
 */
class TransferSagaIntegrationTest {
    private static final String APPLICATION_ID = "tally-saga-it";
    private static final int PARTITIONS = 8;
    private static final int WALLETS = 1000;
    private static final int TRANSFERS = 10_000;
    private static final BigDecimal START = new BigDecimal("100.00");
    private static final Duration SETTLE = Duration.ofMinutes(4);

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static final List<TallyProcess> instances = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), TallyProcess.freePort());
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("unused"), APPLICATION_ID, PARTITIONS);
        Tally.applyTopics(settings, broker.bootstrapServers());
    }

    @AfterAll
    static void stopEverything() {
        instances.forEach(TallyProcess::kill);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void tenThousandTransfersThroughACrashConserveMoneyAndEachEndOnce() throws Exception {
        try {
            TallyProcess a = instance("a").start();
            TallyProcess b = instance("b").start();
            a.awaitReady(Duration.ofMinutes(2));
            b.awaitReady(Duration.ofMinutes(2));
            Random random = new Random(2026);
            try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers())) {
                for (int i = 0; i < WALLETS; i++) {
                    send(producer, "w" + i, "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w" + i
                            + "\",\"values\":{\"balance\":\"" + START + "\"},\"txId\":\"create-" + i + "\"}");
                }
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < TRANSFERS; i++) {
                    if (i == TRANSFERS / 2) {
                        awaitSent(sent);
                        a.kill();
                    }
                    if (i == TRANSFERS * 3 / 4) {
                        a.start();
                    }
                    String from = "w" + random.nextInt(WALLETS);
                    // One in 30 goes to a wallet that does not exist: credit refused, refund.
                    String to = random.nextInt(30) == 0 ? "ghost" + i : "w" + random.nextInt(WALLETS);
                    String amount = (1 + random.nextInt(40)) + "." + String.format("%02d", random.nextInt(100));
                    sent.add(send(producer, from, "{\"op\":\"transfer\",\"resource\":\"wallets\",\"id\":\"" + from
                            + "\",\"field\":\"balance\",\"amount\":\"" + amount + "\",\"txId\":\"t-" + i + "\","
                            + "\"to\":{\"resource\":\"wallets\",\"id\":\"" + to + "\",\"field\":\"balance\"}}"));
                }
                awaitSent(sent);
            }
            a.awaitReady(Duration.ofMinutes(2));
            await("every command and saga step consumed").atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> KafkaFixture.consumedAll(broker.bootstrapServers(), APPLICATION_ID));

            List<Transaction> transactions = KafkaFixture.transactions(broker.bootstrapServers());
            List<RejectionRecord> rejections = KafkaFixture.rejections(broker.bootstrapServers());
            Map<String, Integer> applied = new HashMap<>();
            for (Transaction transaction : transactions) {
                applied.merge(transaction.txId(), 1, Integer::sum);
            }
            assertThat(applied.values()).as("no step applied twice").allMatch(count -> count == 1);
            Map<String, RejectionRecord> refused = new HashMap<>();
            rejections.forEach(rejection -> refused.put(rejection.txId(), rejection));

            int completed = 0;
            int compensated = 0;
            int rejected = 0;
            for (int i = 0; i < TRANSFERS; i++) {
                String id = "t-" + i;
                if (applied.containsKey(id)) {
                    boolean credited = applied.containsKey(id + ":credit");
                    boolean refunded = applied.containsKey(id + ":refund");
                    assertThat(credited ^ refunded).as(id + " debited: credited or refunded, not both, not neither").isTrue();
                    if (refunded) {
                        assertThat(refused).as(id + " refund follows a refused credit").containsKey(id + ":credit");
                        compensated++;
                    } else {
                        completed++;
                    }
                } else {
                    assertThat(refused).as(id + " neither debited nor refused").containsKey(id);
                    assertThat(applied).doesNotContainKeys(id + ":credit", id + ":refund");
                    rejected++;
                }
            }
            BigDecimal moved = transactions.stream().filter(t -> t.op().transferStep()).map(Transaction::delta)
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(moved).as("the transfer steps' changes sum to zero").isEqualByComparingTo("0");
            BigDecimal total = BigDecimal.ZERO;
            Map<String, byte[]> published = new HashMap<>();
            KafkaFixture.records(broker.bootstrapServers(), TallyTopics.RECORDS).forEach(r -> published.put(r.key(), r.value()));
            for (byte[] json : published.values()) {
                if (json == null) {
                    continue;
                }
                RecordState record = TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, json);
                assertThat(record.value("balance")).as(record.key() + " bounded at 0").isGreaterThanOrEqualTo(BigDecimal.ZERO);
                total = total.add(record.value("balance"));
            }
            assertThat(total).as("no money created or destroyed").isEqualByComparingTo(START.multiply(BigDecimal.valueOf(WALLETS)));
            assertThat(completed + compensated + rejected).isEqualTo(TRANSFERS);
            assertThat(compensated).isPositive();
            assertThat(rejected).isPositive();

            for (int i = 0; i < TRANSFERS; i += 500) {
                JsonNode state = Json.MAPPER.readTree(a.get("/v1/transfers/t-" + i).body());
                String expected = applied.containsKey("t-" + i + ":credit") ? "completed"
                        : applied.containsKey("t-" + i + ":refund") ? "compensated" : "rejected";
                assertThat(state.path("state").asText()).as("t-" + i + " " + state).isEqualTo(expected);
            }
            Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("unused"), APPLICATION_ID, PARTITIONS);
            Verifier.Report report = new Verifier(settings, broker.bootstrapServers(), Duration.ofSeconds(30)).verify(n -> { });
            assertThat(report.differences()).isEmpty();
            Map<String, Long> reasons = new java.util.TreeMap<>();
            rejections.forEach(r -> reasons.merge(r.code().name(), 1L, Long::sum));
            System.out.println("saga: rejections by code " + reasons);
            System.out.printf("saga: %d transfers: %d completed, %d compensated, %d rejected; %d transactions; total %s%n",
                    TRANSFERS, completed, compensated, rejected, transactions.size(), total.toPlainString());
        } catch (Throwable failure) {
            instances.forEach(instance -> System.out.println(instance.tail(60)));
            throw failure;
        }
    }

    private static void awaitSent(List<Future<?>> sent) throws Exception {
        for (Future<?> future : sent) {
            future.get();
        }
    }

    private static Future<?> send(KafkaProducer<String, byte[]> producer, String id, String json) {
        return producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, "wallets/" + id, json.getBytes(StandardCharsets.UTF_8)));
    }

    private static TallyProcess instance(String name) {
        try {
            Path home = dir.resolve(name);
            Files.createDirectories(home);
            Path properties = home.resolve("kafka.properties");
            // A killed member is noticed after the session timeout, not the production 45 s.
            Files.writeString(properties, "session.timeout.ms=10000\nheartbeat.interval.ms=1000\n"
                    + "acceptable.recovery.lag=" + Long.MAX_VALUE + "\n");
            TallyProcess instance = new TallyProcess(name, home, Map.of(
                    "TALLY_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "TALLY_APPLICATION_ID", APPLICATION_ID,
                    "TALLY_TOPIC_PARTITIONS", String.valueOf(PARTITIONS),
                    "TALLY_COMMIT_INTERVAL", "100ms",
                    "TALLY_APPLY_TOPICS", "false",
                    "TALLY_KAFKA_PROPERTIES_FILE", properties.toString()));
            instances.add(instance);
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
