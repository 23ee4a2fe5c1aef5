package io.tally.stream;

import io.tally.ledger.RejectionCode;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The dedupe memory on the stores the topology gives it: RocksDB window stores. */
class RememberedTxIdsTest {
    private static final Duration HORIZON = Duration.ofHours(1);
    private static final long H = HORIZON.toMillis();
    /** The start of a period: a whole number of horizons since the epoch. */
    private static final long PERIOD = 490_000 * H;

    @TempDir
    Path stateDir;

    private MockProcessorContext<Object, Object> context;
    private WindowStore<String, Outcome> periods;
    private WindowStore<String, Outcome> legacy;

    @BeforeEach
    void stores() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tally-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        context = new MockProcessorContext<>(props, new TaskId(0, 0), stateDir.toFile());
        periods = opened(TallyTopology.dedupePeriods(HORIZON));
        legacy = opened(TallyTopology.legacyDedupe(HORIZON));
    }

    @AfterEach
    void close() {
        periods.close();
        legacy.close();
    }

    private WindowStore<String, Outcome> opened(StoreBuilder<WindowStore<String, Outcome>> builder) {
        WindowStore<String, Outcome> store = builder.withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    private RememberedTxIds started(long now) {
        context.setCurrentSystemTimeMs(now);
        RememberedTxIds remembered = new RememberedTxIds(HORIZON);
        remembered.init(context);
        return remembered;
    }

    @Test
    void anIdRecordedAtTheEndOfAPeriodIsRememberedForTheHorizon() {
        long recorded = PERIOD + H - 1;
        RememberedTxIds remembered = started(recorded);
        remembered.put("wallets/w1|t1", Outcome.applied(7), recorded);

        assertThat(remembered.get("wallets/w1|t2", recorded)).isNull();
        assertThat(remembered.get("wallets/w2|t1", recorded)).isNull();
        assertThat(remembered.get("wallets/w1|t1", recorded)).isEqualTo(Outcome.applied(7));
        assertThat(remembered.get("wallets/w1|t1", recorded + H)).isEqualTo(Outcome.applied(7));
        assertThat(remembered.get("wallets/w1|t1", recorded + H + 1)).isNull();
    }

    @Test
    void anIdRecordedAtTheStartOfAPeriodIsRememberedForLessThanTwiceTheHorizon() {
        RememberedTxIds remembered = started(PERIOD);
        remembered.put("wallets/w1|t1", Outcome.rejected(RejectionCode.BELOW_MINIMUM), PERIOD);
        // Later periods' writes move the store's time on, as they do in a running task.
        remembered.put("wallets/w1|other", Outcome.pending(), PERIOD + H);

        assertThat(remembered.get("wallets/w1|t1", PERIOD + 2 * H - 1))
                .isEqualTo(Outcome.rejected(RejectionCode.BELOW_MINIMUM));
        assertThat(remembered.get("wallets/w1|t1", PERIOD + 2 * H)).isNull();
    }

    @Test
    void theLatestOutcomeOfAnIdAnswers() {
        RememberedTxIds remembered = started(PERIOD);
        remembered.put("wallets/w1|t1", Outcome.pending(), PERIOD + 5);
        remembered.put("wallets/w1|t1", Outcome.applied(3), PERIOD + H + 5);

        assertThat(remembered.get("wallets/w1|t1", PERIOD + H + 6)).isEqualTo(Outcome.applied(3));
    }

    @Test
    void idsThatEarlierVersionsRecordedByExactTimeAreFoundForTheirHorizon() {
        long recorded = PERIOD + 10 * 60_000;
        RememberedTxIds remembered = started(0);
        // Restored after init and before the first lookup, as a task's wall clock is set only when it processes.
        legacy.put("wallets/w1|old", Outcome.applied(2), recorded);

        assertThat(remembered.get("wallets/w1|new", recorded + 60_000)).isNull();
        assertThat(remembered.get("wallets/w1|old", recorded + 60_000)).isEqualTo(Outcome.applied(2));
        assertThat(remembered.get("wallets/w1|old", recorded + H)).isEqualTo(Outcome.applied(2));
        assertThat(remembered.get("wallets/w1|old", recorded + H + 1)).isNull();
    }

    @Test
    void theLegacyStoreIsNotReadWhenItHeldNothingWithinTheHorizonAtTheFirstLookup() {
        legacy.put("wallets/w1|stale", Outcome.applied(1), PERIOD - 2 * H);
        RememberedTxIds remembered = started(PERIOD);
        assertThat(remembered.get("wallets/w1|stale", PERIOD)).isNull();
        // Written after the first lookup, as no version does: a lookup that read the legacy store would find it.
        legacy.put("wallets/w1|late", Outcome.applied(2), PERIOD);

        assertThat(remembered.get("wallets/w1|late", PERIOD + 1)).isNull();
    }

    @Test
    void aClockSteppedBackKeepsTheLatestPeriod() {
        RememberedTxIds remembered = started(PERIOD + H + 5);
        remembered.put("wallets/w1|t1", Outcome.applied(1), PERIOD + H + 5);
        // Back across the period's start: the lookup and the write stay in the latest period.
        remembered.put("wallets/w1|t2", Outcome.applied(2), PERIOD + H - 10);

        assertThat(remembered.get("wallets/w1|t1", PERIOD + H - 5)).isEqualTo(Outcome.applied(1));
        assertThat(remembered.get("wallets/w1|t2", PERIOD + 3 * H - 1)).isEqualTo(Outcome.applied(2));
    }
}
