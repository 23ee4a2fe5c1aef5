package io.tally.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.analytics.AnalyticsKeys;
import io.tally.analytics.AnalyticsQueries;
import io.tally.analytics.AnalyticsSettings;
import io.tally.analytics.Metrics;
import io.tally.analytics.PartialStores;
import io.tally.analytics.Granularity;
import io.tally.ledger.Catalogs;
import io.tally.ledger.Op;
import io.tally.ledger.RecordState;
import io.tally.ledger.RejectionCode;
import io.tally.ledger.Transaction;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TallyTopologyTest {
    static final AnalyticsSettings ANALYTICS = new AnalyticsSettings(ZoneId.of("UTC"), Map.of(),
            Map.of(Granularity.HOUR, Duration.ofDays(2), Granularity.DAY, Duration.ofDays(30),
                    Granularity.WEEK, Duration.ofDays(60), Granularity.MONTH, Duration.ofDays(400),
                    Granularity.YEAR, Duration.ofDays(4000)), Duration.ofMinutes(10));
    private static final Instant T0 = Instant.parse("2025-10-09T12:00:00Z");

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, Transaction> transactions;
    private TestOutputTopic<String, RejectionRecord> rejections;
    private TestOutputTopic<String, RecordState> records;
    private KeyValueStore<String, byte[]> store;

    @TempDir
    Path stateDir;

    @BeforeEach
    void start() {
        start(ANALYTICS);
    }

    private void start(AnalyticsSettings analytics) {
        Topology topology = TallyTopology.build(Catalogs.ledger(), Duration.ofHours(1), 1024, analytics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tally-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, props, T0);
        commands = driver.createInputTopic(TallyTopics.COMMANDS, new StringSerializer(), new ByteArraySerializer());
        transactions = driver.createOutputTopic(TallyTopics.TRANSACTIONS, new StringDeserializer(),
                TallyTopology.TRANSACTION_SERDE);
        rejections = driver.createOutputTopic(TallyTopics.REJECTIONS, new StringDeserializer(), TallyTopology.REJECTION_SERDE);
        records = driver.createOutputTopic(TallyTopics.RECORDS, new StringDeserializer(), TallyTopology.RECORD_SERDE);
        store = driver.getKeyValueStore(TallyTopics.RECORDS_STORE);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private RecordState stored(String key) {
        return TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, store.get(key));
    }

    private void send(String key, String json) {
        commands.pipeInput(key, json.getBytes(StandardCharsets.UTF_8), T0);
    }

    @Test
    void namesEveryTopicAndStore() {
        TopologyDescription description = TallyTopology.build(Catalogs.ledger(), Duration.ofHours(1), 1024, ANALYTICS).describe();
        assertThat(description.subtopologies()).hasSize(1);
        Set<String> nodes = description.subtopologies().iterator().next().nodes().stream()
                .map(TopologyDescription.Node::name).collect(Collectors.toSet());
        assertThat(nodes).containsExactlyInAnyOrder("commands", "ledger", "transactions", "rejections", "records",
                "analytics", TallyTopology.SAGA_SINK);
        assertThat(description.toString()).contains(TallyTopics.RECORDS_STORE, TallyTopics.PENDING_STORE,
                TallyTopics.DEDUPE_STORE, TallyTopics.LEGACY_DEDUPE_STORE, TallyTopics.ANALYTICS_STORE, "tally.commands", "tally.transactions", "tally.rejections", "tally.records");
    }

    private void transfer(String txId, String from, String to, String amount) {
        send("wallets/" + from, "{\"op\":\"transfer\",\"resource\":\"wallets\",\"id\":\"" + from + "\",\"field\":\"balance\","
                + "\"amount\":\"" + amount + "\",\"txId\":\"" + txId + "\",\"to\":{\"resource\":\"wallets\",\"id\":\"" + to
                + "\",\"field\":\"balance\"}}");
    }

    private String note(String key) {
        byte[] note = driver.<String, byte[]>getKeyValueStore(TallyTopics.TRANSFERS_STORE).get(key);
        return note == null ? null : new String(note, StandardCharsets.UTF_8);
    }

    @Test
    void movesMoneyBetweenRecordsAsADebitThenACreditAndRefundsWhatTheTargetRefuses() {
        send("wallets/a", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"a\",\"values\":{\"balance\":\"100\"}}");
        send("wallets/b", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"b\"}");
        transactions.readValuesToList();

        transfer("tr1", "a", "b", "30");
        List<Transaction> moved = transactions.readValuesToList();
        assertThat(moved).extracting(t -> t.op().wireName() + " " + t.key() + " " + t.delta() + " " + t.transfer().transferId())
                .containsExactly("transfer wallets/a -30.00 tr1", "transfer_credit wallets/b 30.00 tr1");
        assertThat(moved.get(1).transfer().key()).isEqualTo("wallets/a");
        assertThat(stored("wallets/a").value("balance")).isEqualByComparingTo("70");
        assertThat(stored("wallets/b").value("balance")).isEqualByComparingTo("30");
        assertThat(note("tr1|source")).contains("\"state\":\"debited\"");
        assertThat(note("tr1|target")).contains("\"state\":\"credited\"");

        transfer("tr2", "a", "b", "500");
        assertThat(transactions.isEmpty()).as("a debit below the minimum moves nothing").isTrue();
        assertThat(rejections.readValuesToList()).extracting(RejectionRecord::code).containsExactly(RejectionCode.BELOW_MINIMUM);
        assertThat(note("tr2|source")).contains("\"state\":\"rejected\"").contains("BELOW_MINIMUM");

        transfer("tr3", "a", "nobody", "10");
        List<Transaction> compensated = transactions.readValuesToList();
        assertThat(compensated).extracting(t -> t.op().wireName() + " " + t.key() + " " + t.delta())
                .containsExactly("transfer wallets/a -10.00", "transfer_refund wallets/a 10.00");
        assertThat(rejections.readValuesToList()).extracting(r -> r.code() + " " + r.key())
                .containsExactly("RECORD_NOT_FOUND wallets/nobody");
        assertThat(stored("wallets/a").value("balance")).isEqualByComparingTo("70");
        assertThat(note("tr3|target")).contains("\"state\":\"refused\"");
        assertThat(note("tr3|refund")).contains("\"state\":\"refunded\"");

        transfer("tr1", "a", "b", "30");
        assertThat(transactions.isEmpty()).as("a repeated transfer id moves nothing").isTrue();
        assertThat(rejections.readValuesToList()).extracting(RejectionRecord::code).containsExactly(RejectionCode.DUPLICATE);
        assertThat(note("tr1|source")).contains("\"state\":\"debited\"");
    }

    @Test
    void appliesCommandsToTheStoreAndEmitsOneTransactionEach() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"values\":{\"balance\":\"10\"}}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":0.1,"
                + "\"meta\":{\"source\":\"test\",\"n\":1.50}}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"0.20\"}");

        List<Transaction> log = transactions.readValuesToList();
        assertThat(log).extracting(Transaction::sequence).containsExactly(1L, 2L, 3L);
        assertThat(log.get(1).before()).isEqualTo(new BigDecimal("10.00"));
        assertThat(log.get(1).after()).isEqualTo(new BigDecimal("10.10"));
        assertThat(log.get(1).meta()).isEqualTo("{\"source\":\"test\",\"n\":1.50}");
        assertThat(log.get(1).at()).isEqualTo(T0);
        assertThat(log).extracting(Transaction::txId).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(stored("wallets/w1").value("balance")).isEqualTo(new BigDecimal("10.30"));
        assertThat(records.readKeyValuesToMap().get("wallets/w1").value("balance")).isEqualTo(new BigDecimal("10.30"));
        assertThat(rejections.isEmpty()).isTrue();
    }

    @Test
    void writesAmountsAsDecimalStringsOnTheAuditLog() throws Exception {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":12.5,"
                + "\"txId\":\"order-17\"}");
        TestOutputTopic<String, String> raw = driver.createOutputTopic(TallyTopics.TRANSACTIONS, new StringDeserializer(),
                new StringDeserializer());
        List<String> values = raw.readValuesToList();
        JsonNode add = Json.MAPPER.readTree(values.get(1));
        assertThat(add.get("amount").isTextual()).isTrue();
        assertThat(add.get("after").textValue()).isEqualTo("12.50");
        assertThat(add.get("txId").textValue()).isEqualTo("order-17");
        assertThat(add.get("op").textValue()).isEqualTo("add");
        assertThat(add.get("sequence").asLong()).isEqualTo(2);
    }

    @Test
    void appliesARepeatedTxIdOnceAndRejectsTheRepeatAsDuplicate() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        String add = "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"5\",\"txId\":\"p-1\"}";
        send("wallets/w1", add);
        send("wallets/w1", add);
        send("wallets/w1", add);

        assertThat(transactions.readValuesToList()).hasSize(2);
        assertThat(stored("wallets/w1").value("balance")).isEqualByComparingTo("5");
        List<RejectionRecord> refused = rejections.readValuesToList();
        assertThat(refused).hasSize(2).allSatisfy(r -> {
            assertThat(r.code()).isEqualTo(RejectionCode.DUPLICATE);
            assertThat(r.message()).contains("already applied as transaction 2");
        });
    }

    @Test
    void findsTxIdsThatAnEarlierVersionRememberedByTheirTime() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        // As an upgraded task finds its restored store before it processes anything with an id.
        driver.<String, Outcome>getWindowStore(TallyTopics.LEGACY_DEDUPE_STORE)
                .put("wallets/w1|paid-before", Outcome.applied(9), T0.minus(Duration.ofMinutes(30)).toEpochMilli());
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\","
                + "\"amount\":\"5\",\"txId\":\"paid-before\"}");

        assertThat(transactions.readValuesToList()).hasSize(1);
        assertThat(rejections.readValuesToList()).singleElement().satisfies(r -> {
            assertThat(r.code()).isEqualTo(RejectionCode.DUPLICATE);
            assertThat(r.message()).contains("already applied as transaction 9");
        });
    }

    @Test
    void forgetsTxIdsAfterTheHorizon() {
        send("counters/c", "{\"op\":\"increment\",\"resource\":\"counters\",\"id\":\"c\",\"field\":\"stats.clicks\",\"txId\":\"k\"}");
        driver.advanceWallClockTime(Duration.ofHours(2));
        send("counters/c", "{\"op\":\"increment\",\"resource\":\"counters\",\"id\":\"c\",\"field\":\"stats.clicks\",\"txId\":\"k\"}");
        assertThat(transactions.readValuesToList()).hasSize(2);
    }

    @Test
    void holdsChangesUntilTheWalletIsCreated() {
        send("wallets/w2", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w2\",\"field\":\"balance\",\"amount\":\"3\",\"txId\":\"early\"}");
        assertThat(transactions.isEmpty()).isTrue();
        assertThat(stored("wallets/w2")).isNull();
        send("wallets/w2", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w2\",\"field\":\"balance\",\"amount\":\"3\",\"txId\":\"early\"}");
        assertThat(rejections.readValuesToList()).singleElement()
                .satisfies(r -> assertThat(r.code()).isEqualTo(RejectionCode.DUPLICATE));

        send("wallets/w2", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w2\"}");

        assertThat(transactions.readValuesToList()).extracting(Transaction::txId).hasSize(2).contains("early");
        assertThat(stored("wallets/w2").value("balance")).isEqualByComparingTo("3");
        assertThat(driver.<String, Object>getKeyValueStore(TallyTopics.PENDING_STORE).get("wallets/w2")).isNull();
    }

    @Test
    void sendsPoisonToRejectionsAndKeepsApplyingGoodCommands() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        commands.pipeInput("wallets/w1", new byte[] {(byte) 0xff, (byte) 0xfe, 0x00}, T0);
        send("wallets/w1", "not json at all");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":true}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"1\",\"amout\":2}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"1\",\"amount\":\"900\"}");
        send("wallets/w1", "{\"op\":\"fly\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        send("wallets/w2", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"1\"}");
        send(null, "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"1\"}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"" + "9".repeat(2000) + "\"}");
        commands.pipeInput("wallets/w1", null, T0);
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"7\"}");

        List<RejectionRecord> refused = rejections.readValuesToList();
        assertThat(refused).extracting(RejectionRecord::code).containsExactly(
                RejectionCode.MALFORMED, RejectionCode.MALFORMED, RejectionCode.MALFORMED, RejectionCode.MALFORMED,
                RejectionCode.MALFORMED, RejectionCode.MALFORMED, RejectionCode.WRONG_KEY, RejectionCode.WRONG_KEY,
                RejectionCode.MALFORMED, RejectionCode.MALFORMED);
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.message()).isNotBlank();
            assertThat(r.topic()).isEqualTo(TallyTopics.COMMANDS);
            assertThat(r.offset()).isNotNull();
        });
        assertThat(refused.get(0).payloadEncoding()).isEqualTo("base64");
        assertThat(refused.get(1).payload()).isEqualTo("not json at all");
        assertThat(refused.get(3).message()).contains("amout");
        assertThat(refused.get(4).message()).contains("Duplicate field 'amount'");
        assertThat(refused.get(8).message()).contains("more than the limit");
        assertThat(refused.get(8).payloadTruncated()).isTrue();
        assertThat(stored("wallets/w1").value("balance")).isEqualByComparingTo("7");
    }

    /** Meta goes into transactions as it came; half a character in it once stopped the stream for good. */
    @Test
    void refusesMetaWithHalfACharacterAndKeepsApplying() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":{\"s\":\"\\ud800\"}}");
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":{\"s\":\"\\ud83d\\ude00 ok\"}}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"2\","
                + "\"meta\":{\"tags\":[\"x\\udc00\"]}}");
        send("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"3\"}");

        assertThat(rejections.readValuesToList()).extracting(RejectionRecord::code, RejectionRecord::message).containsExactly(
                tuple(RejectionCode.MALFORMED, "meta holds text that is not valid Unicode: "
                        + "an unpaired surrogate \\ud800 (a character outside the Basic Multilingual Plane is two \\u escapes, a pair)"),
                tuple(RejectionCode.MALFORMED, "meta holds text that is not valid Unicode: "
                        + "an unpaired surrogate \\udc00 (a character outside the Basic Multilingual Plane is two \\u escapes, a pair)"));
        List<Transaction> applied = transactions.readValuesToList();
        assertThat(applied).extracting(Transaction::meta).containsExactly("{\"s\":\"\ud83d\ude00 ok\"}", null);
        assertThat(stored("wallets/w1").value("balance")).isEqualByComparingTo("3");
    }

    @Test
    void deletingLeavesATombstoneOnTheRecordsTopic() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        send("wallets/w1", "{\"op\":\"delete\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        assertThat(records.readRecordsToList()).extracting(r -> r.value() == null).containsExactly(false, true);
        assertThat(stored("wallets/w1").live()).isFalse();
        assertThat(stored("wallets/w1").version()).isEqualTo(2);
    }

    private AnalyticsQueries analytics() {
        return analytics(ANALYTICS);
    }

    private List<String> analyticsKeys() {
        List<String> keys = new java.util.ArrayList<>();
        try (var entries = ((MetricsStore) driver.getStateStore(TallyTopics.ANALYTICS_STORE)).range("a", "z")) {
            entries.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    @Test
    void keepsNoAnalyticsOfAResourceWhoseAnalyticsAreOffAndDropsWhatItHadOnce() {
        AnalyticsSettings walletsOff = new AnalyticsSettings(ANALYTICS.zone(), Map.of(), ANALYTICS.retention(),
                ANALYTICS.purgeInterval(), Set.of("wallets"));
        driver.close();
        start(walletsOff);
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        sendAt("w1", "add", "5", T0);
        assertThat(transactions.readValuesToList()).extracting(Transaction::sequence).containsExactly(1L, 2L);
        assertThat(analyticsKeys()).isEmpty();

        // A partial left from when the resource's analytics were on goes at the next purge.
        MetricsStore store = (MetricsStore) driver.getStateStore(TallyTopics.ANALYTICS_STORE);
        String hour = AnalyticsKeys.resource("wallets", "balance", Granularity.HOUR, T0);
        store.update(hour).add(Op.ADD, new BigDecimal("5"));
        store.flushCache();
        assertThat(analyticsKeys()).containsExactly(hour);
        driver.advanceWallClockTime(ANALYTICS.purgeInterval());
        assertThat(analyticsKeys()).isEmpty();

        assertThatThrownBy(() -> analytics(walletsOff).last(AnalyticsQueries.Subject.resource("wallets", "balance"),
                Granularity.DAY, 1, T0, true))
                .isInstanceOfSatisfying(AnalyticsQueries.NotFound.class, e -> assertThat(e.code()).isEqualTo("NO_ANALYTICS"))
                .hasMessageContaining("analytics of wallets are not kept");
    }

    private AnalyticsQueries analytics(AnalyticsSettings settings) {
        // What was flushed before the driver's commit, as interactive queries see it.
        MetricsStore partials = (MetricsStore) driver.getStateStore(TallyTopics.ANALYTICS_STORE);
        PartialStores.Partition only = new PartialStores.Partition() {
            @Override
            public byte[] get(String key) {
                try (var entries = partials.range(key, key)) {
                    return entries.hasNext() ? entries.next().value : null;
                }
            }

            @Override
            public void range(String from, String to, java.util.function.BiConsumer<String, byte[]> each) {
                try (var entries = partials.range(from, to)) {
                    entries.forEachRemaining(entry -> each.accept(entry.key, entry.value));
                }
            }
        };
        return new AnalyticsQueries(new PartialStores() {
            @Override
            public List<Partition> all() {
                return List.of(only);
            }

            @Override
            public Partition ownerOf(String resource, String id) {
                return only;
            }
        }, Catalogs.ledger().resources(), settings);
    }

    private void sendAt(String id, String op, String amount, Instant at) {
        send("wallets/" + id, "{\"op\":\"" + op + "\",\"resource\":\"wallets\",\"id\":\"" + id
                + "\",\"field\":\"balance\",\"amount\":\"" + amount + "\",\"at\":\"" + at + "\"}");
    }

    @Test
    void accumulatesAnalyticsInTheLedgersTaskByEventTime() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"values\":{\"balance\":\"10\"}}");
        sendAt("w1", "add", "5.50", T0.minus(Duration.ofHours(1)));
        sendAt("w1", "sub", "2", T0);
        sendAt("w1", "sub", "1000", T0);

        AnalyticsQueries queries = analytics();
        List<AnalyticsQueries.Row> hours = queries.last(AnalyticsQueries.Subject.resource("wallets", "balance"),
                Granularity.HOUR, 2, T0, true);
        assertThat(hours).extracting(row -> row.metrics().count()).containsExactly(1L, 2L);
        assertThat(hours.get(1).metrics().sum()).isEqualTo(new BigDecimal("8.00"));
        assertThat(hours.get(1).metrics().byOp()).containsOnlyKeys(Op.CREATE, Op.SUB);
        Metrics day = queries.last(AnalyticsQueries.Subject.record("wallets", "balance", "w1"), Granularity.DAY, 1, T0, true)
                .get(0).metrics();
        assertThat(day.count()).isEqualTo(3);
        assertThat(day.sum()).isEqualTo(new BigDecimal("13.50"));
        assertThat(day.records()).isEqualTo(1);
    }

    @Test
    void dropsBucketsPastTheirRetentionAndIgnoresChangesToThem() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        sendAt("w1", "add", "1", T0.minus(Duration.ofDays(3)));
        AnalyticsQueries.Subject wallets = AnalyticsQueries.Subject.resource("wallets", "balance");
        // Hours are kept two days: the late change counts in its day, not in its long-gone hour.
        assertThat(analytics().last(wallets, Granularity.HOUR, 24 * 4, T0, false)).hasSize(1);
        assertThat(analytics().last(wallets, Granularity.DAY, 4, T0, false)).hasSize(2);

        driver.advanceWallClockTime(Duration.ofDays(3));

        Instant later = T0.plus(Duration.ofDays(3));
        assertThat(analytics().last(wallets, Granularity.HOUR, 24 * 7, later, false)).isEmpty();
        assertThat(analytics().last(wallets, Granularity.DAY, 7, later, false)).hasSize(2);
        assertThat(analytics().last(AnalyticsQueries.Subject.record("wallets", "balance", "w1"), Granularity.HOUR,
                24 * 7, later, false)).isEmpty();
    }

    @Test
    void dropsARecordsOpenBucketsOneByOneAsEachPassesItsRetention() {
        send("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"}");
        sendAt("w1", "add", "1", T0);
        String open = AnalyticsKeys.open("wallets", "balance", "w1");
        assertThat(analyticsKeys()).contains(open);
        MetricsStore partials = (MetricsStore) driver.getStateStore(TallyTopics.ANALYTICS_STORE);
        assertThat(partials.readOpen(open).metrics(Granularity.HOUR)).isNotNull();

        driver.advanceWallClockTime(Duration.ofDays(3));
        driver.advanceWallClockTime(ANALYTICS.purgeInterval());

        // Hours are kept two days, days thirty: only the hour is gone.
        assertThat(partials.readOpen(open).metrics(Granularity.HOUR)).isNull();
        assertThat(partials.readOpen(open).metrics(Granularity.DAY).toMetrics().count()).as("the create and the add").isEqualTo(2);

        driver.advanceWallClockTime(Duration.ofDays(4100));
        driver.advanceWallClockTime(ANALYTICS.purgeInterval());

        assertThat(analyticsKeys()).as("every bucket of every kind is past its retention").isEmpty();
    }
}
