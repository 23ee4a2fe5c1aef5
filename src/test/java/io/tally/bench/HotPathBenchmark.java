package io.tally.bench;

import io.tally.analytics.Aggregator;
import io.tally.analytics.AnalyticsKeys;
import io.tally.analytics.StagedPartials;
import io.tally.analytics.AnalyticsSettings;
import io.tally.analytics.Granularity;
import io.tally.analytics.Metrics;
import io.tally.analytics.MetricsCodec;
import io.tally.ledger.Command;
import io.tally.ledger.Decision;
import io.tally.ledger.Ledger;
import io.tally.ledger.Op;
import io.tally.ledger.RecordState;
import io.tally.ledger.Transaction;
import io.tally.stream.CommandParser;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import io.tally.config.SettingsLoader;
import io.tally.config.Settings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The per-command work of the ledger's task, piece by piece: parse a command, decide and evolve,
 * write the transaction as JSON, fold it into the analytics, find its buckets, encode a partial.
 * Run with {@code mvn -B -ntp -Pjmh test-compile exec:exec}; docs/BENCHMARKS.md has the figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmark {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    private CommandParser parser;
    private byte[] commandJson;
    private Ledger ledger;
    private RecordState wallet;
    private Command add;
    private Transaction transaction;
    private Aggregator aggregator;
    private StagedPartials target;
    private Metrics metrics;
    private byte[] encoded;
    private final ZoneId paris = ZoneId.of("Europe/Paris");

    @Setup
    public void setUp() {
        Settings settings = SettingsLoader.fromMap(Map.of());
        parser = new CommandParser(65536);
        commandJson = ("{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w42\",\"field\":\"balance\",\"amount\":\"12.50\","
                + "\"txId\":\"pay-1\",\"at\":\"2026-11-23T09:59:00Z\"}").getBytes(StandardCharsets.UTF_8);
        ledger = new Ledger(settings.resources(), 1000);
        Command create = new Command(Op.CREATE, "wallets", "w42", null, null, "c1", true, NOW, null, Map.of("balance", "100"));
        wallet = ledger.evolve(RecordState.absent("wallets", "w42"), (Transaction) ledger.decide(
                RecordState.absent("wallets", "w42"), create, NOW));
        add = parser.parse("wallets/w42", commandJson).command();
        transaction = (Transaction) ledger.decide(wallet, add, NOW);
        aggregator = new Aggregator(settings.analytics());
        target = StagedPartials.inMemory();
        aggregator.apply(transaction, NOW, target);
        metrics = target.read(AnalyticsKeys.resource("wallets", "balance", Granularity.DAY,
                Granularity.DAY.bucketOf(transaction.at(), settings.analytics().zoneOf("wallets")).startInstant()));
        encoded = MetricsCodec.encode(metrics);
    }

    @Benchmark
    public Command parseCommand() {
        return parser.parse("wallets/w42", commandJson).command();
    }

    @Benchmark
    public RecordState decideAndEvolve() {
        Decision decision = ledger.decide(wallet, add, NOW);
        return ledger.evolve(wallet, (Transaction) decision);
    }

    @Benchmark
    public byte[] transactionToJson() {
        return TallyTopology.TRANSACTION_SERDE.serialize(TallyTopics.TRANSACTIONS, transaction);
    }

    @Benchmark
    public StagedPartials foldIntoAnalytics() {
        aggregator.apply(transaction, NOW, target);
        return target;
    }

    @Benchmark
    public Object bucketsOfAnInstant() {
        Object last = null;
        for (Granularity granularity : Granularity.values()) {
            last = granularity.bucketOf(NOW, paris);
        }
        return last;
    }

    @Benchmark
    public byte[] encodeMetrics() {
        return MetricsCodec.encode(metrics);
    }

    @Benchmark
    public Metrics decodeMetrics() {
        return MetricsCodec.decode(encoded);
    }
}
