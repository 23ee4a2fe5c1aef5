package io.tally.stream;

import io.tally.analytics.AnalyticsKeys;
import io.tally.analytics.Granularity;
import io.tally.analytics.MutableMetrics;
import io.tally.analytics.OpenBuckets;
import io.tally.ledger.Op;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The purge, run by hand on a store whose stored bytes the test writes directly. */
class AnalyticsProcessorTest {
    private static final Instant NOW = Instant.parse("2025-10-09T12:00:00Z");
    /** Hours are kept two days, days thirty ({@link TallyTopologyTest#ANALYTICS}). */
    private static final long EXPIRED_HOUR = NOW.minus(Duration.ofDays(3)).getEpochSecond();
    private static final long TODAY = Instant.parse("2025-10-09T00:00:00Z").getEpochSecond();

    private final KeyValueStore<String, byte[]> below = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(TallyTopics.ANALYTICS_STORE), Serdes.String(), Serdes.ByteArray())
            .withLoggingDisabled().build();
    private int openScans;
    private MetricsStore store;
    private Punctuator purge;

    @BeforeEach
    void start() {
        @SuppressWarnings("unchecked")
        KeyValueStore<String, byte[]> counted = (KeyValueStore<String, byte[]>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("range") && String.valueOf(args[0]).startsWith("o|")) {
                        openScans++;
                    }
                    try {
                        return method.invoke(below, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        store = new MetricsStore(counted);
        MockProcessorContext<Void, Void> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        new AnalyticsProcessor(TallyTopologyTest.ANALYTICS, List.of("wallets|balance")).init(context);
        purge = context.scheduledPunctuators().get(0).getPunctuator();
    }

    @AfterEach
    void stop() {
        store.close();
    }

    @Test
    void deletesExpiredBucketsWithoutReadingWhatTheyHold() {
        String resourceHour = AnalyticsKeys.resource("wallets", "balance", Granularity.HOUR, Instant.ofEpochSecond(EXPIRED_HOUR));
        String recordHour = AnalyticsKeys.record("wallets", "balance", Granularity.HOUR, Instant.ofEpochSecond(EXPIRED_HOUR), "w1");
        below.put(resourceHour, new byte[] {42});
        below.put(recordHour, new byte[] {42});

        purgeAt(NOW);

        assertThat(below.get(resourceHour)).isNull();
        assertThat(below.get(recordHour)).isNull();
    }

    @Test
    void leavesOpenBucketsItCannotReadAndGoesOnWithTheRest() {
        String unreadable = AnalyticsKeys.open("wallets", "balance", "w1");
        String unreadableMetrics = AnalyticsKeys.open("wallets", "balance", "w2");
        String partlyExpired = AnalyticsKeys.open("wallets", "balance", "w3");
        String expired = AnalyticsKeys.open("wallets", "balance", "w4");
        below.put(unreadable, new byte[] {42});
        below.put(unreadableMetrics, withUnreadableMetrics());
        below.put(partlyExpired, open(EXPIRED_HOUR, TODAY));
        below.put(expired, open(EXPIRED_HOUR, null));

        purgeAt(NOW);

        assertThat(below.get(unreadable)).containsExactly(42);
        assertThat(below.get(unreadableMetrics)).containsExactly(withUnreadableMetrics());
        OpenBuckets kept = OpenBuckets.decode(below.get(partlyExpired));
        assertThat(kept.metrics(Granularity.HOUR)).isNull();
        assertThat(kept.metrics(Granularity.DAY)).isNotNull();
        assertThat(below.get(expired)).isNull();
    }

    @Test
    void deletesARecordsOpenBucketsKeyThatHoldsNone() {
        String empty = AnalyticsKeys.open("wallets", "balance", "w1");
        below.put(empty, OpenBuckets.encode(new OpenBuckets()));

        purgeAt(NOW);

        assertThat(below.get(empty)).isNull();
    }

    @Test
    void readsTheOpenBucketsAgainOnlyOnceSomeCutOffHasMoved() {
        below.put(AnalyticsKeys.open("wallets", "balance", "w1"), open(null, TODAY));

        purgeAt(NOW);
        purgeAt(NOW.plus(Duration.ofMinutes(10)));

        assertThat(openScans).as("the hour's cut-off is the same").isEqualTo(1);

        purgeAt(NOW.plus(Duration.ofHours(1)));

        assertThat(openScans).isEqualTo(2);
    }

    private void purgeAt(Instant now) {
        purge.punctuate(now.toEpochMilli());
        store.flushCache();
    }

    /** A record's open buckets: an hour and a day, or only one of them when the other's start is null. */
    private static byte[] open(Long hourStart, Long dayStart) {
        OpenBuckets open = new OpenBuckets();
        if (hourStart != null) {
            open.open(Granularity.HOUR, hourStart, one());
        }
        if (dayStart != null) {
            open.open(Granularity.DAY, dayStart, one());
        }
        return OpenBuckets.encode(open);
    }

    /** An expired hour and today, each with metrics of an unknown version: what each bucket is can be read, not what it holds. */
    private static byte[] withUnreadableMetrics() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(3);
        out.write(2);
        for (Granularity granularity : List.of(Granularity.HOUR, Granularity.DAY)) {
            out.write(granularity.ordinal());
            long start = granularity == Granularity.HOUR ? EXPIRED_HOUR : TODAY;
            for (long zigZag = start << 1; ; zigZag >>>= 7) {
                if ((zigZag & ~0x7FL) == 0) {
                    out.write((int) zigZag);
                    break;
                }
                out.write((int) ((zigZag & 0x7F) | 0x80));
            }
            out.write(0);
            out.write(1);
            out.write(9);
        }
        return out.toByteArray();
    }

    private static MutableMetrics one() {
        MutableMetrics metrics = new MutableMetrics();
        metrics.add(Op.ADD, BigDecimal.ONE);
        metrics.addRecord();
        return metrics;
    }
}
