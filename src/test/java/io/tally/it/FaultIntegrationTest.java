package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.Tally;
import io.tally.audit.Verifier;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.RecordState;
import io.tally.ledger.RejectionCode;
import io.tally.ledger.Transaction;
import io.tally.stream.Json;
import io.tally.stream.RejectionRecord;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly once through crashes. Tally instances run as child processes against a broker in this
 * JVM while a producer sends a known stream of counter adds; meanwhile an instance is killed with
 * SIGKILL and started again, the broker is stopped and started again on the same port and data,
 * a third instance joins and another leaves, and a tenth of the commands are sent a second time
 * with their original txIds. Afterwards every command is exactly one transaction or one
 * DUPLICATE rejection, every counter is its expected total on every instance, on tally.records
 * and in the replay of the audit log; and an instance whose state directory was wiped serves the
 * same values again, restored from the changelogs.
 */
class FaultIntegrationTest {
    private static final String APPLICATION_ID = "tally-fault-it";
    private static final int PARTITIONS = 6;
    private static final int COUNTERS = 200;
    private static final int COMMANDS = 20_000;
    private static final int PER_SECOND = 300;
    /** One command in ten is sent a second time. */
    private static final int RESEND_EVERY = 10;
    /** Commands sent before the first fault. */
    private static final int WARM_UP = 2_000;
    /** Commands allowed to flow from the start of each of the four faults: 2,000 + 4 × 4,000 ≤ 20,000. */
    private static final int PER_FAULT = 4_000;
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration SETTLE = Duration.ofSeconds(120);

    /** Kept when the test fails: the instances' logs are in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;
    private static EmbeddedKafka broker;
    private static String bootstrap;
    private static CounterStream stream;
    private static ReadProbe probe;
    private static final List<TallyProcess> instances = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        // A fixed port, so the broker can be stopped and started again where every client expects it.
        broker = EmbeddedKafka.start(dir.resolve("kafka"), TallyProcess.freePort());
        bootstrap = broker.bootstrapServers();
        Tally.applyTopics(settings(), bootstrap);
    }

    @AfterAll
    static void stopEverything() {
        if (stream != null) {
            stream.close();
        }
        if (probe != null) {
            probe.close();
        }
        // SIGKILL, even after a failure: a child outliving the build would hold its port and CPU.
        instances.forEach(TallyProcess::kill);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void appliesEveryCommandExactlyOnceThroughCrashesABrokerRestartRebalancesAndResends() throws Exception {
        long began = System.nanoTime();
        try {
            TallyProcess a = instance("a").start();
            TallyProcess b = instance("b").start();
            a.awaitReady(START);
            b.awaitReady(START);
            awaitGroup(2);
            phase(began, "a and b running");

            stream = new CounterStream(bootstrap, COMMANDS, COUNTERS, PER_SECOND, RESEND_EVERY);
            stream.allow(WARM_UP);
            stream.start();
            awaitSent(WARM_UP);
            // From now on every counter exists, and reads of them on any instance must never answer 404.
            awaitEveryCounterExists(a);
            probe = new ReadProbe(IntStream.range(0, COUNTERS).mapToObj(i -> "/v1/counters/c" + i).toList(), began)
                    .start(Duration.ofMillis(50));
            probe.serve("a", a.port());
            probe.serve("b", b.port());

            // Each fault starts with commands allowed to flow on through it; if recovering takes
            // longer than they last, the stream pauses until the next fault.
            flowDuringFault();
            crashAndRestart(a, began);
            flowDuringFault();
            restartBroker(List.of(a, b), began);
            flowDuringFault();
            TallyProcess c = join("c", 3, began);
            flowDuringFault();
            leave(b, 2, began);

            stream.allow(COMMANDS);
            await("every command sent and acknowledged").atMost(SETTLE).until(stream::finished);
            phase(began, "all " + COMMANDS + " commands sent, " + stream.resent().size() + " resent, "
                    + stream.failures() + " failed sends retried");
            await("every command consumed").atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> KafkaFixture.consumedAll(bootstrap, APPLICATION_ID));
            phase(began, "every command committed by the group");

            List<Transaction> transactions = checkEveryCommandIsOneTransactionOrOneDuplicate();
            phase(began, "every command is one transaction or one DUPLICATE");
            Map<String, Map<String, BigDecimal>> expected = stream.expectedTotals();
            checkCountersServed(List.of(a, c), expected);
            phase(began, "every counter served with its expected total");
            checkPublishedAndReplayed(expected, transactions);
            phase(began, "tally.records, the transactions' sum and the verifier's replay agree with the expected totals");

            restartWiped(a);
            checkCountersServed(List.of(a, c), expected);
            phase(began, "a restarted with a wiped state directory serves every counter again");

            probe.close();
            System.out.printf("reads during the faults: %s, %d while unreachable, %d violations%n", probe.answers(),
                    probe.unreachable(), probe.violations().size());
            probe.unavailableStretches().forEach(stretch -> System.out.println("  " + stretch));
            assertThat(probe.violations()).as("reads of existing counters that answered neither 200 nor 503").isEmpty();
        } catch (Throwable failure) {
            instances.forEach(instance -> System.out.println(instance.tail(80)));
            System.out.println("the instances' logs and state are kept in " + dir);
            throw failure;
        }
    }

    /** (a) A crash: no commit, no shutdown hook, its Kafka transaction left open; then a start on the same state. */
    private static void crashAndRestart(TallyProcess instance, long began) {
        probe.withdraw(instance.name());
        instance.kill();
        phase(began, instance.name() + " killed (SIGKILL) at " + stream.sent() + " commands");
        // Commands keep flowing while it is down; its partitions wait for the session timeout.
        awaitSent(stream.sent() + PER_FAULT / 4);
        instance.start();
        probe.serve(instance.name(), instance.port());
        instance.awaitReady(START);
        awaitGroup(2);
        phase(began, instance.name() + " started again on its old state directory, group of 2 stable");
    }

    /**
     * (b) The broker goes away, on a fixed port, until sends have failed a few times (each failure
     * is a producer timeout of seconds), then comes back on the same port and data; producers and
     * instances reconnect on their own.
     */
    private static void restartBroker(List<TallyProcess> running, long began) {
        int failuresBefore = stream.failures();
        broker.stop();
        long stopped = System.nanoTime();
        phase(began, "broker stopped at " + stream.sent() + " commands");
        await("sends failing while the broker is down").atMost(Duration.ofSeconds(60))
                .until(() -> stream.failures() >= failuresBefore + 3);
        broker.restart();
        phase(began, String.format("broker started again after %.1fs down; %d sends had failed",
                (System.nanoTime() - stopped) / 1e9, stream.failures() - failuresBefore));
        running.forEach(instance -> instance.awaitReady(SETTLE));
        awaitGroup(running.size());
        phase(began, running + " running again after the broker restart");
    }

    /** (c) A rebalance as an instance joins. */
    private static TallyProcess join(String name, int members, long began) {
        TallyProcess instance = instance(name).start();
        probe.serve(name, instance.port());
        instance.awaitReady(START);
        awaitGroup(members);
        phase(began, name + " joined, group of " + members + " stable at " + stream.sent() + " commands");
        return instance;
    }

    /** (c) A rebalance as an instance leaves cleanly (SIGTERM: commit, close, leave the group). */
    private static void leave(TallyProcess instance, int members, long began) {
        probe.withdraw(instance.name());
        instance.stop();
        // 143 = 128 + SIGTERM: how a JVM ends after its shutdown hooks (Tally's clean close) ran.
        assertThat(instance.exitCode()).as(instance.name() + "'s exit code after SIGTERM\n" + instance.tail(40))
                .isEqualTo(143);
        awaitGroup(members);
        phase(began, instance.name() + " stopped (SIGTERM), group of " + members + " stable at " + stream.sent()
                + " commands");
    }

    /**
     * A lost volume: the instance comes back with an empty state directory and, once the group has
     * given it its share of the partitions, serves them from stores restored from the changelogs.
     */
    private static void restartWiped(TallyProcess instance) throws IOException {
        probe.withdraw(instance.name());
        instance.stop();
        deleteRecursively(instance.stateDir());
        instance.start();
        probe.serve(instance.name(), instance.port());
        instance.awaitReady(START);
        awaitGroup(2);
    }

    /**
     * Each copy of a command on tally.commands (the test's sends, its retries and resends) has one
     * outcome: the first copy of a txId is its only transaction, every later copy a DUPLICATE.
     */
    private static List<Transaction> checkEveryCommandIsOneTransactionOrOneDuplicate() {
        Map<String, List<Long>> copies = new HashMap<>();
        Map<String, Integer> partitionOf = new HashMap<>();
        for (ConsumerRecord<String, byte[]> command : read(TallyTopics.COMMANDS)) {
            String txId = tree(command.value()).get("txId").asText();
            copies.computeIfAbsent(txId, t -> new ArrayList<>()).add(command.offset());
            partitionOf.put(txId, command.partition());
        }
        Set<String> txIds = stream.adds().stream().map(CounterStream.Add::txId).collect(Collectors.toSet());
        long copyCount = copies.values().stream().mapToLong(List::size).sum();
        System.out.printf("tally.commands: %d copies of %d txIds (%d deliberate resends, %d retried sends)%n",
                copyCount, copies.size(), stream.resent().size(), stream.retriesSent());
        assertThat(copies.keySet()).as("txIds on tally.commands").isEqualTo(txIds);

        List<Transaction> transactions = read(TallyTopics.TRANSACTIONS).stream()
                .map(record -> TallyTopology.TRANSACTION_SERDE.deserialize(TallyTopics.TRANSACTIONS, record.value())).toList();
        Map<String, List<Transaction>> applied = new HashMap<>();
        transactions.forEach(transaction -> applied.computeIfAbsent(transaction.txId(), t -> new ArrayList<>()).add(transaction));
        List<String> repeated = applied.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).toList();
        System.out.printf("tally.transactions: %d transactions of %d txIds, %d applied more than once, %d missing%n",
                applied.values().stream().mapToLong(List::size).sum(), applied.size(), repeated.size(),
                txIds.stream().filter(t -> !applied.containsKey(t)).count());
        assertThat(repeated).as("txIds applied more than once").isEmpty();
        assertThat(applied.keySet()).as("txIds of the transactions (none missing, none other)").isEqualTo(txIds);
        for (CounterStream.Add add : stream.adds()) {
            Transaction transaction = applied.get(add.txId()).get(0);
            assertThat(List.of(transaction.id(), transaction.field(), transaction.delta()))
                    .as(add.txId()).isEqualTo(List.of(add.counter(), add.field(), BigDecimal.valueOf(add.amount())));
        }

        Map<String, Set<Long>> duplicates = new HashMap<>();
        List<RejectionRecord> others = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : read(TallyTopics.REJECTIONS)) {
            RejectionRecord rejection = TallyTopology.REJECTION_SERDE.deserialize(TallyTopics.REJECTIONS, record.value());
            if (rejection.code() != RejectionCode.DUPLICATE) {
                others.add(rejection);
                continue;
            }
            assertThat(rejection.partition()).as("partition of " + rejection.txId()).isEqualTo(partitionOf.get(rejection.txId()));
            assertThat(duplicates.computeIfAbsent(rejection.txId(), t -> new TreeSet<>()).add(rejection.offset()))
                    .as("one DUPLICATE per copy of " + rejection.txId() + " at offset " + rejection.offset()).isTrue();
        }
        long duplicateCount = duplicates.values().stream().mapToLong(Set::size).sum();
        System.out.printf("tally.rejections: %d DUPLICATE of %d txIds, %d other rejections%n",
                duplicateCount, duplicates.size(), others.size());
        assertThat(others).as("rejections other than DUPLICATE (counters have no bounds)").isEmpty();
        for (Map.Entry<String, List<Long>> copy : copies.entrySet()) {
            List<Long> later = copy.getValue().stream().sorted().skip(1).toList();
            assertThat(duplicates.getOrDefault(copy.getKey(), Set.of()))
                    .as("DUPLICATE rejections of " + copy.getKey() + ": every copy after the first").isEqualTo(new TreeSet<>(later));
        }
        // A resend after the dedupe horizon (24h) would be applied again instead; this run lasts minutes.
        List<String> resendsNotRejected = stream.resent().stream().map(i -> "f-" + i)
                .filter(txId -> !duplicates.containsKey(txId)).toList();
        System.out.printf("resends: %d sent, %d answered DUPLICATE, %d not (none can arrive after the 24h horizon)%n",
                stream.resent().size(), stream.resent().size() - resendsNotRejected.size(), resendsNotRejected.size());
        assertThat(resendsNotRejected).as("deliberate resends that were not rejected as DUPLICATE").isEmpty();
        assertThat(copyCount).isEqualTo(COMMANDS + duplicateCount);
        return transactions;
    }

    /** Every counter through {@code GET /v1/counters/{id}} on each instance, retried while 503 (rebalancing). */
    private static void checkCountersServed(List<TallyProcess> serving, Map<String, Map<String, BigDecimal>> expected) {
        List<String> absences = new java.util.concurrent.CopyOnWriteArrayList<>();
        int[] reads = new int[1];
        await("every counter served with its expected total").atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().untilAsserted(() -> {
                    for (TallyProcess instance : serving) {
                        for (int i = 0; i < COUNTERS; i++) {
                            String id = "c" + i;
                            HttpResponse<String> read = instance.get("/v1/counters/" + id);
                            reads[0]++;
                            if (read.statusCode() == 404) {
                                absences.add(instance.name() + " " + id + ": " + read.body());
                            }
                            assertThat(read.statusCode()).as(instance.name() + " " + id + ": " + read.body()).isEqualTo(200);
                            JsonNode fields = Json.MAPPER.readTree(read.body()).get("fields");
                            for (String field : CounterStream.FIELDS) {
                                BigDecimal want = expected.getOrDefault(id, Map.of()).getOrDefault(field, BigDecimal.ZERO);
                                assertThat(new BigDecimal(fields.get(field).asText())).as(instance.name() + " " + id + " " + field)
                                        .isEqualByComparingTo(want);
                            }
                        }
                    }
                });
        System.out.printf("REST: %d counters × %d fields equal their expected totals on %s (%d reads)%n",
                COUNTERS, CounterStream.FIELDS.length, serving, reads[0]);
        assertThat(absences).as("counters answered as missing").isEmpty();
    }

    /** tally.records and the replay of tally.transactions (the Verifier) against the test's totals. */
    private static void checkPublishedAndReplayed(Map<String, Map<String, BigDecimal>> expected, List<Transaction> transactions) {
        Map<String, RecordState> published = new TreeMap<>();
        read(TallyTopics.RECORDS).forEach(record -> published.put(record.key(),
                TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, record.value())));
        assertThat(published.keySet()).hasSize(COUNTERS);
        for (Map.Entry<String, Map<String, BigDecimal>> counter : expected.entrySet()) {
            RecordState state = published.get("counters/" + counter.getKey());
            counter.getValue().forEach((field, total) ->
                    assertThat(state.fields().get(field)).as(counter.getKey() + " " + field).isEqualByComparingTo(total));
        }

        BigDecimal deltas = sum(transactions.stream().map(Transaction::delta));
        BigDecimal expectedSum = sum(expected.values().stream().flatMap(fields -> fields.values().stream()));
        BigDecimal publishedSum = sum(published.values().stream().flatMap(state -> state.fields().values().stream()));
        Verifier.Report report = new Verifier(settings(), bootstrap, Duration.ofSeconds(30)).verify(done -> { });
        BigDecimal replayedSum = sum(report.fieldTotals().values().stream());
        System.out.printf("sums: expected %s, transaction deltas %s, tally.records %s, replay %s; verifier: %d transactions, "
                        + "%d records, %d analytics entries, %d differences%n", expectedSum, deltas, publishedSum, replayedSum,
                report.transactions(), report.records(), report.analyticsEntries(), report.differenceCount());
        assertThat(List.of(deltas, publishedSum, replayedSum)).allSatisfy(sum -> assertThat(sum).isEqualByComparingTo(expectedSum));
        for (String field : CounterStream.FIELDS) {
            assertThat(report.fieldTotals().get("counters." + field)).as(field)
                    .isEqualByComparingTo(sum(expected.values().stream().map(f -> f.getOrDefault(field, BigDecimal.ZERO))));
        }
        assertThat(report.differences()).as("the verifier's differences").isEmpty();
        assertThat(report.transactions()).isEqualTo(COMMANDS);
        assertThat(report.records()).isEqualTo(COUNTERS);
    }

    private static void awaitEveryCounterExists(TallyProcess instance) {
        Set<Integer> found = new java.util.HashSet<>();
        await("every counter exists").atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            for (int i = 0; i < COUNTERS; i++) {
                if (!found.contains(i) && instance.get("/v1/counters/c" + i).statusCode() == 200) {
                    found.add(i);
                }
            }
            return found.size() == COUNTERS;
        });
    }

    private static TallyProcess instance(String name) {
        try {
            Path home = dir.resolve(name);
            Files.createDirectories(home);
            Path properties = home.resolve("kafka.properties");
            // A killed member is noticed after the session timeout; the production 45 s would
            // dominate the test. New instances take their share of tasks at once rather than
            // warming up in the background for the 10 minute probing interval, so tasks move
            // while commands flow.
            Files.writeString(properties, "session.timeout.ms=10000\nheartbeat.interval.ms=1000\n"
                    + "acceptable.recovery.lag=" + Long.MAX_VALUE + "\n");
            TallyProcess instance = new TallyProcess(name, home, Map.of(
                    "TALLY_BOOTSTRAP_SERVERS", bootstrap,
                    "TALLY_APPLICATION_ID", APPLICATION_ID,
                    "TALLY_TOPIC_PARTITIONS", String.valueOf(PARTITIONS),
                    "TALLY_COMMIT_INTERVAL", "100ms",
                    "TALLY_KAFKA_PROPERTIES_FILE", properties.toString()));
            instances.add(instance);
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Settings settings() {
        return KafkaFixture.settings(bootstrap, dir.resolve("verifier-state"), APPLICATION_ID, PARTITIONS);
    }

    private static void flowDuringFault() {
        stream.allow(stream.sent() + PER_FAULT);
    }

    private static void awaitSent(int commands) {
        await(commands + " commands sent").atMost(SETTLE).until(() -> {
            stream.finished();
            return stream.sent() >= commands;
        });
    }

    /** Waits until the group has settled on {@code members} members that share every partition. */
    private static void awaitGroup(int members) {
        await("a stable group of " + members).atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> KafkaFixture.groupSettled(bootstrap, APPLICATION_ID, members, PARTITIONS));
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic) {
        return KafkaFixture.records(bootstrap, topic);
    }

    private static JsonNode tree(byte[] json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BigDecimal sum(Stream<BigDecimal> values) {
        return values.reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static void phase(long began, String what) {
        System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - began) / 1e9, what);
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
