package io.tally.it;

import io.tally.Tally;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.RejectionCode;
import io.tally.ledger.Transaction;
import io.tally.stream.RejectionRecord;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ledger on a real broker with 4 partitions: plain-producer commands, poison among them, and
 * restarts of the service — with its state kept and with its state wiped — that keep every value.
 */
class LedgerIntegrationTest {
    private static final int PARTITIONS = 4;
    private static final int WALLETS = 40;
    private static final Duration PATIENCE = Duration.ofSeconds(90);

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
    void appliesEveryCommandOnceAcrossPartitionsAndRestarts() throws Exception {
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), "tally-it", PARTITIONS);
        Map<String, BigDecimal> expected = new HashMap<>();
        int sent;
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers());
             Tally tally = Tally.start(settings)) {
            sent = sendWorkload(producer, expected, 0);
            send(producer, "wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\"");
            producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, "wallets/w1", new byte[] {(byte) 0xc3, 0x28})).get();
            awaitBalances(tally, expected);
        }
        List<RejectionRecord> rejections = KafkaFixture.rejections(broker.bootstrapServers());
        assertThat(rejections).filteredOn(r -> r.code() == RejectionCode.MALFORMED).hasSize(2)
                .allSatisfy(r -> assertThat(r.message()).isNotBlank());
        assertThat(rejections).filteredOn(r -> r.code() != RejectionCode.MALFORMED)
                .extracting(RejectionRecord::code).containsOnly(RejectionCode.BELOW_MINIMUM, RejectionCode.DUPLICATE);
        long refusedGood = rejections.stream().filter(r -> r.code() != RejectionCode.MALFORMED).count();
        List<Transaction> log = KafkaFixture.transactions(broker.bootstrapServers());
        assertThat(log.size() + refusedGood).isEqualTo(sent);
        assertThat(log).extracting(Transaction::txId).doesNotHaveDuplicates();
        assertReplayMatches(log, expected);

        // Restart keeping the state directory: the stores are reused, not wiped and restored (a wipe
        // deletes a task's whole directory, and with it a file left there).
        List<Path> markers = new ArrayList<>();
        try (var tasks = Files.list(settings.stateDir().resolve("tally-it"))) {
            for (Path task : tasks.filter(Files::isDirectory).toList()) {
                markers.add(Files.writeString(task.resolve("kept.marker"), "a clean close keeps this task's state"));
            }
        }
        assertThat(markers).hasSize(PARTITIONS);
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers());
             Tally tally = Tally.start(settings)) {
            awaitBalances(tally, expected);
            assertThat(markers).as("tasks whose state was kept after a clean close").allMatch(Files::exists);
            sendWorkload(producer, expected, 1);
            awaitBalances(tally, expected);
        }

        // Restart with the state directory wiped: the stores restore from their changelogs.
        deleteRecursively(settings.stateDir());
        try (Tally tally = Tally.start(settings)) {
            awaitBalances(tally, expected);
        }
        assertReplayMatches(KafkaFixture.transactions(broker.bootstrapServers()), expected);
    }

    /**
     * Creates the wallets (first round only), then deposits and withdrawals, each withdrawal
     * checked against the running balance so the expected outcome is known; every fifth command
     * is sent twice with its txId, as a client retry would. Returns the number of distinct commands.
     */
    private static int sendWorkload(KafkaProducer<String, byte[]> producer, Map<String, BigDecimal> expected, int round)
            throws Exception {
        SplittableRandom random = new SplittableRandom(42 + round);
        int sent = 0;
        if (round == 0) {
            for (int w = 0; w < WALLETS; w++) {
                // A deposit before the create waits for it.
                send(producer, "wallets/w" + w, change("add", w, "1.00", "early-" + w));
                send(producer, "wallets/w" + w, "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w" + w
                        + "\",\"values\":{\"balance\":\"10.00\"}}");
                expected.put("wallets/w" + w, new BigDecimal("11.00"));
                sent += 2;
            }
        }
        for (int i = 0; i < 400; i++) {
            int w = random.nextInt(WALLETS);
            String key = "wallets/w" + w;
            BigDecimal amount = BigDecimal.valueOf(random.nextInt(1, 2000), 2);
            boolean deposit = random.nextInt(3) > 0;
            String txId = "r" + round + "-" + i;
            send(producer, key, change(deposit ? "add" : "sub", w, amount.toPlainString(), txId));
            if (i % 5 == 0) {
                send(producer, key, change(deposit ? "add" : "sub", w, amount.toPlainString(), txId));
                sent++;
            }
            sent++;
            BigDecimal next = deposit ? expected.get(key).add(amount) : expected.get(key).subtract(amount);
            if (next.signum() >= 0) {
                expected.put(key, next);
            }
        }
        producer.flush();
        return sent;
    }

    private static String change(String op, int wallet, String amount, String txId) {
        return "{\"op\":\"" + op + "\",\"resource\":\"wallets\",\"id\":\"w" + wallet + "\",\"field\":\"balance\",\"amount\":"
                + amount + ",\"txId\":\"" + txId + "\"}";
    }

    private static void send(KafkaProducer<String, byte[]> producer, String key, String json) throws Exception {
        producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, key, json.getBytes(StandardCharsets.UTF_8))).get();
    }

    private static void awaitBalances(Tally tally, Map<String, BigDecimal> expected) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            assertThat(tally.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            ReadOnlyKeyValueStore<String, byte[]> store = tally.streams().store(StoreQueryParameters
                    .fromNameAndType(TallyTopics.RECORDS_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            expected.forEach((key, balance) -> assertThat(TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS,
                    store.get(key)).value("balance")).as(key).isEqualTo(balance));
        });
    }

    private static void assertReplayMatches(List<Transaction> log, Map<String, BigDecimal> expected) {
        Map<String, BigDecimal> replayed = new HashMap<>();
        for (Transaction tx : log) {
            BigDecimal change = tx.op() == io.tally.ledger.Op.CREATE ? tx.values().get("balance") : tx.delta();
            replayed.merge(tx.key(), change, BigDecimal::add);
        }
        assertThat(replayed).isEqualTo(expected);
    }

    private static void deleteRecursively(Path path) throws Exception {
        try (var paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
