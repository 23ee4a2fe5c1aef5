package io.tally.stream;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tally.analytics.AnalyticsSettings;
import io.tally.ledger.Command;
import io.tally.ledger.Ledger;
import io.tally.ledger.RecordState;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

import java.time.Duration;
import java.util.List;

/**
 * Builds Tally's topology from settings and nothing else: it starts nothing and reads no
 * environment. One sub-topology: commands → ledger → transactions, rejections and records, with
 * the ledger's three stores beside it, and ledger → analytics with the partial analytics store,
 * in the same task so nothing is repartitioned. Every node and store is named.
 */
public final class TallyTopology {
    static final String COMMANDS_SOURCE = "commands";
    static final String LEDGER = "ledger";
    static final String TRANSACTIONS_SINK = "transactions";
    static final String REJECTIONS_SINK = "rejections";
    static final String SAGA_SINK = "saga-steps";
    static final String RECORDS_SINK = "records";
    static final String ANALYTICS = "analytics";

    public static final JsonSerde<RecordState> RECORD_SERDE = JsonSerde.of(RecordState.class);
    public static final JsonSerde<io.tally.ledger.Transaction> TRANSACTION_SERDE = JsonSerde.of(io.tally.ledger.Transaction.class);
    public static final JsonSerde<RejectionRecord> REJECTION_SERDE = JsonSerde.of(RejectionRecord.class);
    static final JsonSerde<List<Command>> PENDING_SERDE = JsonSerde.of(new TypeReference<List<Command>>() { });
    /** Outcomes in the dedupe periods: a few bytes each. */
    static final OutcomeSerde OUTCOME_SERDE = new OutcomeSerde();
    /** Outcomes in the store of earlier versions, as they wrote and read them. */
    static final JsonSerde<Outcome> LEGACY_OUTCOME_SERDE = JsonSerde.of(Outcome.class);

    private TallyTopology() {
    }

    /**
     * @param dedupeHorizon   how long client transaction ids are remembered
     * @param maxCommandBytes the largest command accepted, also the most of a payload kept in a rejection
     */
    public static Topology build(Ledger ledger, Duration dedupeHorizon, int maxCommandBytes,
                                 AnalyticsSettings analytics) {
        return build(ledger, dedupeHorizon, maxCommandBytes, analytics, LedgerEvents.NONE, Duration.ZERO);
    }

    /**
     * @param events            told of every decision, for metrics
     * @param syncCommitSpacing the least time between the commits that commands awaited by a sync
     *                          write ask for ({@link SyncCommits}); zero: they wait for the regular commit
     */
    public static Topology build(Ledger ledger, Duration dedupeHorizon, int maxCommandBytes,
                                 AnalyticsSettings analytics, LedgerEvents events, Duration syncCommitSpacing) {
        CommandParser parser = new CommandParser(maxCommandBytes);
        SyncCommits.Spacing spacing = new SyncCommits.Spacing(syncCommitSpacing);
        Topology topology = new Topology();
        topology.addSource(COMMANDS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), TallyTopics.COMMANDS);
        topology.addProcessor(LEDGER, () -> new LedgerProcessor(ledger, parser, dedupeHorizon, maxCommandBytes, events, analytics::kept,
                        spacing),
                COMMANDS_SOURCE);
        // The records store holds each record as the exact JSON published on tally.records, so a
        // state is serialized once per change and queries can answer with the stored bytes.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TallyTopics.RECORDS_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled(), LEDGER);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TallyTopics.PENDING_STORE), Serdes.String(), PENDING_SERDE), LEDGER);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TallyTopics.TRANSFERS_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled(), LEDGER);
        // Each key is written once, so a cache would only add work; values are the audit log's bytes.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TallyTopics.HISTORY_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled(), LEDGER);
        // A window store forgets on its own: segments older than its retention are dropped whole,
        // so remembering transaction ids costs no scan and no growth without bound.
        topology.addStateStore(dedupePeriods(dedupeHorizon), LEDGER);
        topology.addStateStore(legacyDedupe(dedupeHorizon), LEDGER);
        List<String> fields = ledger.resources().values().stream()
                .flatMap(resource -> resource.fields().keySet().stream().map(field -> resource.name() + "|" + field))
                .toList();
        topology.addProcessor(ANALYTICS, () -> new AnalyticsProcessor(analytics, fields), LEDGER);
        topology.addStateStore(MetricsStore.builder(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TallyTopics.ANALYTICS_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()), ANALYTICS);
        // Transactions arrive serialized: the ledger writes the same bytes to the history store.
        topology.addSink(TRANSACTIONS_SINK, TallyTopics.TRANSACTIONS, new StringSerializer(), new ByteArraySerializer(), LEDGER);
        // A transfer's later steps go back onto the command topic, keyed by the record they change.
        topology.addSink(SAGA_SINK, TallyTopics.COMMANDS, new StringSerializer(), new ByteArraySerializer(), LEDGER);
        topology.addSink(REJECTIONS_SINK, TallyTopics.REJECTIONS, new StringSerializer(), REJECTION_SERDE, LEDGER);
        topology.addSink(RECORDS_SINK, TallyTopics.RECORDS, new StringSerializer(), new ByteArraySerializer(), LEDGER);
        return topology;
    }

    /** The dedupe memory: outcomes of transaction ids by period ({@link RememberedTxIds}). */
    static StoreBuilder<WindowStore<String, Outcome>> dedupePeriods(Duration horizon) {
        return Stores.windowStoreBuilder(CheckpointedWindowStore.of(Stores.persistentWindowStore(TallyTopics.DEDUPE_STORE,
                RememberedTxIds.retention(horizon), horizon, false)), Serdes.String(), OUTCOME_SERDE);
    }

    /** The dedupe memory of earlier versions, by exact time, as they declared it. */
    static StoreBuilder<WindowStore<String, Outcome>> legacyDedupe(Duration horizon) {
        return Stores.windowStoreBuilder(CheckpointedWindowStore.of(Stores.persistentWindowStore(
                TallyTopics.LEGACY_DEDUPE_STORE, horizon, horizon, false)), Serdes.String(), LEGACY_OUTCOME_SERDE);
    }
}
