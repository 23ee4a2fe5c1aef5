package io.tally.it;

import io.tally.Tally;
import io.tally.audit.Verifier;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.config.SettingsLoader;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.RecordState;
import io.tally.ledger.RejectionCode;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One deployment grows from one instance to three and shrinks back to one while deposits and
 * withdrawals flow into wallets that exist throughout. Every instance serving is read all along
 * and answers each wallet with 200 or 503 (rebalancing), never 404; afterwards every balance is
 * what the test's own model of the commands says, what the audit log replays to, and what
 * tally.records publishes.
 */
class ScaleOutIntegrationTest {
    private static final String APPLICATION_ID = "tally-scale-it";
    private static final int PARTITIONS = 6;
    private static final int WALLETS = 60;
    private static final int COMMANDS = 12_000;
    private static final int PER_SECOND = 250;
    private static final BigDecimal OPENING = new BigDecimal("50.00");
    private static final Duration SETTLE = Duration.ofSeconds(120);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static String bootstrap;
    private static WalletStream stream;
    private static ReadProbe probe;
    private static final Map<String, Tally> running = new LinkedHashMap<>();

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        bootstrap = broker.bootstrapServers();
    }

    @AfterAll
    static void stopEverything() {
        if (stream != null) {
            stream.close();
        }
        if (probe != null) {
            probe.close();
        }
        running.values().forEach(Tally::close);
        broker.close();
    }

    @Test
    void growsFromOneToThreeInstancesAndBackWhileCommandsFlowAndNoWalletIsEverAnsweredMissing() throws Exception {
        long began = System.nanoTime();
        Tally first = start("first");
        awaitReady(first);
        awaitGroup(1);
        createWallets();
        phase(began, WALLETS + " wallets created on one instance");

        probe = new ReadProbe(IntStream.range(0, WALLETS).mapToObj(i -> "/v1/wallets/w" + i).toList(), began)
                .start(Duration.ofMillis(25));
        probe.serve("first", first.httpPort());
        stream = new WalletStream(bootstrap);
        stream.allow(3_000);
        stream.start();
        awaitSent(1_500);

        grow("second", 2, began);
        stream.allow(6_000);
        awaitSent(4_500);
        grow("third", 3, began);
        stream.allow(9_000);
        awaitSent(7_500);
        shrink("first", 2, began);
        stream.allow(COMMANDS);
        awaitSent(10_000);
        shrink("second", 1, began);

        await("every command sent").atMost(SETTLE).until(stream::finished);
        await("every command consumed").atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                .until(() -> KafkaFixture.consumedAll(bootstrap, APPLICATION_ID));
        phase(began, "all " + COMMANDS + " commands sent and committed");
        probe.close();
        System.out.printf("reads while scaling: %s, %d while unreachable, %d violations%n", probe.answers(),
                probe.unreachable(), probe.violations().size());
        probe.unavailableStretches().forEach(stretch -> System.out.println("  " + stretch));
        assertThat(probe.violations()).as("reads of existing wallets that answered neither 200 nor 503").isEmpty();
        assertThat(probe.answers()).as("instances read").containsOnlyKeys("first", "second", "third");
        probe.answers().forEach((name, statuses) -> assertThat(statuses.getOrDefault(200, 0))
                .as("reads of " + name + " that answered 200").isPositive());

        Map<String, BigDecimal> model = stream.model();
        Map<String, BigDecimal> replayed = checkLogAgainstModel();
        assertThat(replayed).as("balances replayed from tally.transactions").isEqualTo(model);
        checkServedAndPublished(running.get("third"), model);
        phase(began, "every balance equals the model, the replay and tally.records");
    }

    private static void grow(String name, int members, long began) {
        Tally instance = start(name);
        probe.serve(name, instance.httpPort());
        awaitReady(instance);
        awaitGroup(members);
        phase(began, name + " joined: " + members + " instances at " + stream.sent() + " commands");
    }

    private static void shrink(String name, int members, long began) {
        probe.withdraw(name);
        running.remove(name).close();
        awaitGroup(members);
        phase(began, name + " left: " + members + " instance" + (members == 1 ? "" : "s") + " at " + stream.sent() + " commands");
    }

    private static void createWallets() throws Exception {
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(bootstrap)) {
            for (int i = 0; i < WALLETS; i++) {
                String json = "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w" + i + "\",\"values\":{\"balance\":\""
                        + OPENING.toPlainString() + "\"},\"txId\":\"create-w" + i + "\"}";
                producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, "wallets/w" + i, json.getBytes(StandardCharsets.UTF_8)));
            }
        }
        await("wallets created").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                .until(() -> KafkaFixture.consumedAll(bootstrap, APPLICATION_ID));
    }

    /**
     * Every command of the stream has the outcome the model gives it: an add or an allowed sub is
     * one transaction from the model's balance to the next, a sub below zero one BELOW_MINIMUM
     * rejection. Returns each wallet's balance replayed from its transactions.
     */
    private static Map<String, BigDecimal> checkLogAgainstModel() {
        Map<String, Transaction> applied = new HashMap<>();
        Map<String, List<Transaction>> byWallet = new TreeMap<>();
        for (var record : KafkaFixture.records(bootstrap, TallyTopics.TRANSACTIONS)) {
            Transaction transaction = TallyTopology.TRANSACTION_SERDE.deserialize(TallyTopics.TRANSACTIONS, record.value());
            assertThat(applied.put(transaction.txId(), transaction)).as("a second transaction of " + transaction.txId()).isNull();
            byWallet.computeIfAbsent(transaction.id(), id -> new ArrayList<>()).add(transaction);
        }
        Map<String, RejectionCode> refused = new HashMap<>();
        for (var record : KafkaFixture.records(bootstrap, TallyTopics.REJECTIONS)) {
            RejectionRecord rejection = TallyTopology.REJECTION_SERDE.deserialize(TallyTopics.REJECTIONS, record.value());
            assertThat(refused.put(rejection.txId(), rejection.code())).as("a second rejection of " + rejection.txId()).isNull();
        }
        int accepted = 0;
        int belowMinimum = 0;
        for (WalletStream.Change change : stream.changes()) {
            Transaction transaction = applied.get(change.txId());
            if (change.accepted()) {
                accepted++;
                assertThat(transaction).as(change.txId() + " applied").isNotNull();
                assertThat(refused).doesNotContainKey(change.txId());
                assertThat(List.of(transaction.id(), transaction.delta(), transaction.before(), transaction.after()))
                        .as(change.txId()).isEqualTo(List.of(change.wallet(), change.delta(), change.before(), change.after()));
            } else {
                belowMinimum++;
                assertThat(transaction).as(change.txId() + " refused").isNull();
                assertThat(refused.get(change.txId())).as(change.txId()).isEqualTo(RejectionCode.BELOW_MINIMUM);
            }
        }
        System.out.printf("log: %d transactions (%d creates, %d changes), %d BELOW_MINIMUM rejections, as the model says%n",
                applied.size(), WALLETS, accepted, belowMinimum);
        assertThat(applied).hasSize(WALLETS + accepted);
        assertThat(refused).hasSize(belowMinimum);

        Map<String, BigDecimal> replayed = new TreeMap<>();
        byWallet.forEach((wallet, transactions) -> {
            transactions.sort(Comparator.comparingLong(Transaction::sequence));
            BigDecimal balance = null;
            for (Transaction transaction : transactions) {
                balance = balance == null ? transaction.values().get("balance") : balance.add(transaction.delta());
            }
            replayed.put(wallet, balance);
        });
        return replayed;
    }

    private static void checkServedAndPublished(Tally last, Map<String, BigDecimal> model) throws Exception {
        for (Map.Entry<String, BigDecimal> wallet : model.entrySet()) {
            String[] body = new String[1];
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                HttpResponse<String> read = get(last.httpPort(), "/v1/wallets/" + wallet.getKey());
                body[0] = read.body();
                return read.statusCode() == 200;
            });
            assertThat(new BigDecimal(Json.MAPPER.readTree(body[0]).get("fields").get("balance").asText()))
                    .as("served balance of " + wallet.getKey()).isEqualTo(wallet.getValue());
        }
        Map<String, BigDecimal> published = new TreeMap<>();
        for (var record : KafkaFixture.records(bootstrap, TallyTopics.RECORDS)) {
            RecordState state = TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, record.value());
            published.put(state.id(), state.fields().get("balance"));
        }
        assertThat(published).as("balances on tally.records").isEqualTo(model);
        Verifier.Report report = new Verifier(settings("verifier"), bootstrap, Duration.ofSeconds(30)).verify(done -> { });
        BigDecimal total = model.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        System.out.printf("balances: %d wallets total %s served, published and modelled alike; verifier: %d transactions, "
                        + "%d records, %d analytics entries, %d differences, wallets.balance total %s%n", model.size(), total,
                report.transactions(), report.records(), report.analyticsEntries(), report.differenceCount(),
                report.fieldTotals().get("wallets.balance"));
        assertThat(report.differences()).as("the verifier's differences").isEmpty();
        assertThat(report.fieldTotals().get("wallets.balance")).isEqualTo(total);
    }

    private static Tally start(String name) {
        Tally tally = Tally.start(settings(name).withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(30), 65536)));
        running.put(name, tally);
        return tally;
    }

    private static Settings settings(String name) {
        try {
            Path properties = dir.resolve(name + ".properties");
            // New instances take their share of tasks at once rather than warming up in the
            // background for the 10 minute probing interval, so tasks move while commands flow.
            Files.writeString(properties, "acceptable.recovery.lag=" + Long.MAX_VALUE + "\n");
            Map<String, Object> tree = new HashMap<>();
            tree.put("bootstrapServers", bootstrap);
            tree.put("stateDir", dir.resolve("state-" + name).toString());
            tree.put("applicationId", APPLICATION_ID);
            tree.put("topicPartitions", String.valueOf(PARTITIONS));
            tree.put("kafkaPropertiesFile", properties.toString());
            return SettingsLoader.fromMap(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitReady(Tally instance) {
        await("ready").atMost(SETTLE).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> get(instance.httpPort(), "/health/ready").statusCode() == 200);
    }

    private static void awaitGroup(int members) {
        await("a stable group of " + members).atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> KafkaFixture.groupSettled(bootstrap, APPLICATION_ID, members, PARTITIONS));
    }

    private static void awaitSent(int commands) {
        await(commands + " commands sent").atMost(SETTLE).until(() -> {
            stream.finished();
            return stream.sent() >= commands;
        });
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void phase(long began, String what) {
        System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - began) / 1e9, what);
    }

    /**
     * Deposits and withdrawals (txIds {@code s-0 …}) at a steady pace from one idempotent producer,
     * so each wallet's commands reach its partition in the order sent and the model can decide
     * them in that order: a withdrawal that would take a wallet below zero is refused.
     */
    static final class WalletStream implements AutoCloseable {
        private static final long TICK_MILLIS = 20;

        /** A command with the outcome the model gives it. */
        record Change(int index, String wallet, BigDecimal delta, BigDecimal before, BigDecimal after, boolean accepted) {
            String txId() {
                return "s-" + index;
            }

            String json() {
                String op = delta.signum() > 0 ? "add" : "sub";
                return "{\"op\":\"" + op + "\",\"resource\":\"wallets\",\"id\":\"" + wallet + "\",\"field\":\"balance\","
                        + "\"amount\":\"" + delta.abs().toPlainString() + "\",\"txId\":\"" + txId() + "\"}";
            }
        }

        private final List<Change> changes = new ArrayList<>();
        private final Map<String, BigDecimal> model = new TreeMap<>();
        private final KafkaProducer<String, byte[]> producer;
        private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "wallet-stream");
            thread.setDaemon(true);
            return thread;
        });
        private final AtomicInteger allowed = new AtomicInteger();
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger inFlight = new AtomicInteger();
        private volatile Throwable failed;

        WalletStream(String bootstrap) {
            Random random = new Random(11);
            for (int i = 0; i < WALLETS; i++) {
                model.put("w" + i, OPENING);
            }
            for (int i = 0; i < COMMANDS; i++) {
                String wallet = "w" + random.nextInt(WALLETS);
                boolean deposit = random.nextInt(10) < 6;
                BigDecimal amount = BigDecimal.valueOf(1 + random.nextInt(deposit ? 2000 : 4000), 2);
                BigDecimal before = model.get(wallet);
                BigDecimal after = deposit ? before.add(amount) : before.subtract(amount);
                boolean accepted = after.signum() >= 0;
                changes.add(new Change(i, wallet, deposit ? amount : amount.negate(), before, after, accepted));
                if (accepted) {
                    model.put(wallet, after);
                }
            }
            producer = KafkaFixture.producer(bootstrap);
        }

        void start() {
            int perTick = (int) (PER_SECOND * TICK_MILLIS / 1000);
            sender.scheduleAtFixedRate(() -> {
                for (int i = 0; i < perTick && next.get() < allowed.get(); i++) {
                    Change change = changes.get(next.getAndIncrement());
                    inFlight.incrementAndGet();
                    producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, "wallets/" + change.wallet(),
                            change.json().getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                                if (error != null) {
                                    failed = error;
                                }
                                inFlight.decrementAndGet();
                            });
                }
            }, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }

        void allow(int index) {
            allowed.set(Math.min(index, COMMANDS));
        }

        int sent() {
            return next.get();
        }

        /** Every command sent and acknowledged; a failed send fails the test, since it would reorder a wallet's commands. */
        boolean finished() {
            if (failed != null) {
                throw new AssertionError("a send failed; the model's order no longer holds", failed);
            }
            return next.get() == COMMANDS && inFlight.get() == 0;
        }

        List<Change> changes() {
            return changes;
        }

        /** Each wallet's balance after every command, as the model decides them. */
        Map<String, BigDecimal> model() {
            return model;
        }

        @Override
        public void close() {
            sender.shutdownNow();
            producer.close(Duration.ofSeconds(5));
        }
    }
}
