package io.tally.it;

import io.tally.Tally;
import io.tally.analytics.AnalyticsQueries;
import io.tally.analytics.AnalyticsQueries.Row;
import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.analytics.Bucket;
import io.tally.analytics.BruteForce;
import io.tally.analytics.Granularity;
import io.tally.config.Settings;
import io.tally.config.SettingsLoader;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.Transaction;
import io.tally.stream.ChangelogPartials;
import io.tally.stream.StreamsPartialStores;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Analytics on a real broker with 4 partitions and the Europe/Paris calendar: commands produced
 * around both DST changes of 2026; every query, answered from the live stores and from the
 * analytics changelog, equals a brute-force recomputation from the committed audit log.
 */
class AnalyticsIntegrationTest {
    private static final int PARTITIONS = 4;
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
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
    void everyQueryEqualsABruteForceRecomputationFromTheAuditLog() throws Exception {
        Settings settings = settings();
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers());
             Tally tally = Tally.start(settings)) {
            int sent = sendWorkload(producer);
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).until(() ->
                    KafkaFixture.transactions(broker.bootstrapServers()).size()
                            + KafkaFixture.rejections(broker.bootstrapServers()).size() == sent);
            List<Transaction> log = KafkaFixture.transactions(broker.bootstrapServers());
            assertThat(log).hasSizeGreaterThan(sent / 2);

            await().atMost(PATIENCE).ignoreException(StreamsPartialStores.IncompleteException.class)
                    .until(() -> !tally.analytics().last(Subject.resource("wallets", "balance"), Granularity.YEAR, 1,
                            Instant.parse("2026-06-01T00:00:00Z"), false).isEmpty());
            assertAllMatch(log, tally.analytics());
            AnalyticsQueries fromChangelog = new AnalyticsQueries(ChangelogPartials.read(broker.bootstrapServers(),
                    settings.applicationId(), Duration.ofSeconds(30)), settings.resources(), settings.analytics());
            assertAllMatch(log, fromChangelog);
        }
    }

    private static void assertAllMatch(List<Transaction> log, AnalyticsQueries queries) {
        List<Subject> subjects = List.of(Subject.resource("wallets", "balance"), Subject.resource("counters", "stats.clicks"),
                Subject.record("wallets", "balance", "w3"), Subject.record("wallets", "balance", "w11"),
                Subject.record("counters", "stats.clicks", "c2"));
        for (Subject subject : subjects) {
            for (String day : List.of("2026-03-29T12:00:00Z", "2026-10-25T12:00:00Z")) {
                Instant at = Instant.parse(day);
                check(log, subject, queries.breakDown(subject, Granularity.DAY, at, Granularity.HOUR, true),
                        Granularity.DAY.bucketOf(at, PARIS).breakDown(Granularity.HOUR));
                check(log, subject, queries.breakDown(subject, Granularity.MONTH, at, Granularity.WEEK, true),
                        Granularity.MONTH.bucketOf(at, PARIS).breakDown(Granularity.WEEK));
            }
            Instant year = Instant.parse("2026-06-01T00:00:00Z");
            check(log, subject, queries.breakDown(subject, Granularity.YEAR, year, Granularity.DAY, true),
                    Granularity.YEAR.bucketOf(year, PARIS).breakDown(Granularity.DAY));
            check(log, subject, queries.breakDown(subject, Granularity.YEAR, year, Granularity.MONTH, true),
                    Granularity.YEAR.bucketOf(year, PARIS).breakDown(Granularity.MONTH));
        }
        Instant fallBack = Instant.parse("2026-10-25T01:30:00Z");
        List<AnalyticsQueries.Ranked> top = queries.top("wallets", "balance", Granularity.DAY, fallBack, 3,
                AnalyticsQueries.RankBy.COUNT);
        Bucket day = Granularity.DAY.bucketOf(fallBack, PARIS);
        assertThat(top).hasSize(3);
        for (AnalyticsQueries.Ranked ranked : top) {
            assertThat(ranked.metrics()).isEqualTo(BruteForce.metrics(log, Subject.record("wallets", "balance", ranked.id()), day));
        }
        long best = top.get(0).metrics().count();
        for (int i = 0; i < 20; i++) {
            assertThat(BruteForce.metrics(log, Subject.record("wallets", "balance", "w" + i), day).count())
                    .isLessThanOrEqualTo(best);
        }
    }

    private static void check(List<Transaction> log, Subject subject, List<Row> rows, List<Bucket> buckets) {
        assertThat(rows).extracting(Row::bucket).containsExactlyElementsOf(buckets);
        for (Row row : rows) {
            assertThat(row.metrics()).as("%s %s", subject, row.bucket().label())
                    .isEqualTo(BruteForce.metrics(log, subject, row.bucket()));
        }
    }

    private static Settings settings() {
        Map<String, Object> tree = new HashMap<>();
        tree.put("bootstrapServers", broker.bootstrapServers());
        tree.put("stateDir", dir.resolve("state").toString());
        tree.put("applicationId", "tally-analytics-it");
        tree.put("topicPartitions", String.valueOf(PARTITIONS));
        Map<String, Object> keepLong = Map.of("hour", "3650d", "day", "3650d", "week", "3650d", "month", "3650d",
                "year", "3650d");
        tree.put("analytics", Map.of("zone", "Europe/Paris", "retention", keepLong));
        return SettingsLoader.fromMap(tree);
    }

    /** Wallets created early in 2026, then changes and clicks around both DST changes; returns how many were sent. */
    private static int sendWorkload(KafkaProducer<String, byte[]> producer) throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        List<String[]> commands = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            commands.add(new String[] {"wallets/w" + i, "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w" + i
                    + "\",\"values\":{\"balance\":\"50\"},\"at\":\"2026-01-0" + (1 + i % 9) + "T10:00:00Z\"}"});
        }
        Instant[] windows = {Instant.parse("2026-03-28T12:00:00Z"), Instant.parse("2026-10-24T12:00:00Z")};
        Function<Instant, String> at = time -> ",\"at\":\"" + time + "\"}";
        for (int i = 0; i < 1200; i++) {
            Instant time = windows[random.nextInt(2)].plusSeconds(random.nextLong(2 * 24 * 3600));
            if (random.nextInt(4) == 0) {
                String id = "c" + random.nextInt(5);
                commands.add(new String[] {"counters/" + id, "{\"op\":\"increment\",\"resource\":\"counters\",\"id\":\""
                        + id + "\",\"field\":\"stats.clicks\"" + at.apply(time)});
            } else {
                String id = "w" + random.nextInt(20);
                String op = random.nextInt(3) == 0 ? "sub" : "add";
                commands.add(new String[] {"wallets/" + id, "{\"op\":\"" + op + "\",\"resource\":\"wallets\",\"id\":\""
                        + id + "\",\"field\":\"balance\",\"amount\":\"" + random.nextInt(1, 40) + "." + random.nextInt(10, 100)
                        + "\"" + at.apply(time)});
            }
        }
        for (String[] command : commands) {
            producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, command[0], command[1].getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
        return commands.size();
    }
}
