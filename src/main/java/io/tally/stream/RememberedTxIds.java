package io.tally.stream;

import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;

/**
 * The outcomes of client-chosen transaction ids within the dedupe horizon: what answers a repeat.
 *
 * <p>An id is kept under the start of the horizon-long period it was recorded in, so a lookup is
 * two point reads (this period, then the one before), and RocksDB's bloom filters answer most of
 * them without reading a block, since most ids are new. An id is therefore remembered for at least
 * the horizon and less than twice it. A lookup over the horizon as a range of times, as earlier
 * versions did, opens an iterator and seeks into every file of the store: a fifth of the stream
 * thread's time in the bench (docs/BENCHMARKS.md, fifteenth round).
 *
 * <p>Ids that earlier versions recorded, in {@value TallyTopics#LEGACY_DEDUPE_STORE} by their exact
 * time, are still found: if that store held any id within the horizon at the task's first lookup,
 * a lookup that misses reads it as they did, for one horizon. Nothing is written there.
 *
 * <p>Periods follow the latest wall-clock time the task has seen, so a clock stepped back within
 * one instance does not move ids into an earlier period, which the store may already have expired.
 */
final class RememberedTxIds {
    /** Beyond the horizon, so the previous period is never expired by the store before it is looked up. */
    private static final Duration RETENTION_MARGIN = Duration.ofSeconds(1);

    private final long horizonMs;
    private WindowStore<String, Outcome> periods;
    private WindowStore<String, Outcome> legacy;
    /** Whether the legacy store has been asked, at the first lookup since init, if it holds ids within the horizon. */
    private boolean legacyChecked;
    /** Until when a miss must also look in the legacy store (wall-clock ms). */
    private long legacyUntil;
    /** The latest wall-clock time seen since init. */
    private long latest;

    RememberedTxIds(Duration horizon) {
        this.horizonMs = horizon.toMillis();
    }

    /** How long the store must keep a period: past the end of the next one, which still looks it up. */
    static Duration retention(Duration horizon) {
        return horizon.plus(RETENTION_MARGIN);
    }

    void init(ProcessorContext<?, ?> context) {
        periods = context.getStateStore(TallyTopics.DEDUPE_STORE);
        legacy = context.getStateStore(TallyTopics.LEGACY_DEDUPE_STORE);
        // A task's wall-clock time is only set once it processes: the legacy store is asked then.
        legacyChecked = false;
        latest = Long.MIN_VALUE;
    }

    /** The latest outcome recorded under {@code key} within the horizon, or null. */
    Outcome get(String key, long now) {
        long at = advance(now);
        long period = period(at);
        Outcome seen = periods.fetch(key, period);
        if (seen == null) {
            seen = periods.fetch(key, period - horizonMs);
        }
        if (seen == null && legacyMayHold(at)) {
            seen = legacyLatest(key, at);
        }
        return seen;
    }

    void put(String key, Outcome outcome, long now) {
        periods.put(key, outcome, period(advance(now)));
    }

    private long advance(long now) {
        latest = Math.max(latest, now);
        return latest;
    }

    private long period(long at) {
        return at - Math.floorMod(at, horizonMs);
    }

    private boolean legacyMayHold(long now) {
        if (!legacyChecked) {
            legacyChecked = true;
            try (KeyValueIterator<Windowed<String>, Outcome> any = legacy.fetchAll(now - horizonMs, now)) {
                legacyUntil = any.hasNext() ? now + horizonMs : Long.MIN_VALUE;
            }
        }
        return now < legacyUntil;
    }

    private Outcome legacyLatest(String key, long now) {
        Outcome last = null;
        try (WindowStoreIterator<Outcome> seen = legacy.fetch(key, now - horizonMs, now)) {
            while (seen.hasNext()) {
                last = seen.next().value;
            }
        }
        return last;
    }
}
