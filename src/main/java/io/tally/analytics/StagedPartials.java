package io.tally.analytics;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Partial analytics kept decoded and changed in place, over a store of their encoded bytes: a
 * change is an update of an object in memory, and {@link #drain} hands each changed key's bytes
 * to be written once, however often it changed. The stream's analytics store writes them before
 * every commit; a replay of the audit log keeps them all and writes them at the end.
 *
 * <p>Not thread-safe: one stream thread, or one replay, owns it.
 */
public final class StagedPartials implements Aggregator.Target {
    private final Function<String, byte[]> below;
    /** Every decoded value in hand, least recently used first; the changed ones are also in {@link #changed}. */
    private final LinkedHashMap<String, Slot> decoded = new LinkedHashMap<>(1024, 0.75f, true);
    /** The keys changed since the last drain, each once: a change is one map lookup, not two. */
    private final List<Slot> changed = new ArrayList<>();
    private long epoch;
    /** The decoded values' weight in metrics ({@link #weightOf}). */
    private long weight;

    /** A decoded value, of one bucket or a record's open buckets, and whether it waits to be written. */
    private static final class Slot {
        final String key;
        MutableMetrics metrics;
        OpenBuckets open;
        /** Taken or purged: written as a delete. */
        boolean removed;
        boolean changed;

        Slot(String key) {
            this.key = key;
        }

        byte[] encoded() {
            if (removed) {
                return null;
            }
            return open != null ? OpenBuckets.encode(open) : MetricsCodec.encode(metrics);
        }
    }

    /** @param below the stored bytes of a key, or null; read the first time a key is used */
    public StagedPartials(Function<String, byte[]> below) {
        this.below = below;
    }

    @Override
    public MutableMetrics update(String key) {
        Slot slot = changing(key);
        if (slot.removed || slot.metrics == null) {
            slot.removed = false;
            slot.metrics = new MutableMetrics();
        }
        return slot.metrics;
    }

    @Override
    public OpenBuckets open(String key) {
        Slot slot = changing(key);
        if (slot.removed || slot.open == null) {
            slot.removed = false;
            slot.open = new OpenBuckets();
        }
        return slot.open;
    }

    @Override
    public MutableMetrics take(String key) {
        Slot slot = slot(key);
        if (slot.removed || slot.metrics == null) {
            if (!slot.changed) {
                // Most buckets opened were never closed: remembering each absence would crowd out values.
                forget(key);
            }
            return null;
        }
        MutableMetrics taken = slot.metrics;
        remove(slot);
        return taken;
    }

    /**
     * Deletes a key without reading what it holds, so a value that cannot be decoded can still be
     * deleted; the delete is written at the next drain.
     */
    public void remove(String key) {
        Slot slot = decoded.get(key);
        if (slot == null) {
            slot = new Slot(key);
            decoded.put(key, slot);
            weight += weightOf(key);
        }
        remove(slot);
    }

    private void remove(Slot slot) {
        changing(slot);
        slot.removed = true;
        slot.metrics = null;
        slot.open = null;
        epoch++;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    /** The current metrics of a bucket's key, or null, without marking it changed. */
    public Metrics read(String key) {
        Slot slot = slot(key);
        return slot.metrics == null ? null : slot.metrics.toMetrics();
    }

    /** A record's current open buckets, or null, without marking them changed. */
    public OpenBuckets readOpen(String key) {
        return slot(key).open;
    }

    /**
     * Hands every key changed since the last drain, with its bytes (null for a delete), to
     * {@code write} in one list, and counts them clean only once it has returned: a write that
     * fails leaves every change staged for the next drain.
     */
    public void drain(Consumer<List<Map.Entry<String, byte[]>>> write) {
        if (changed.isEmpty()) {
            return;
        }
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>(changed.size());
        for (Slot slot : changed) {
            entries.add(new AbstractMap.SimpleImmutableEntry<>(slot.key, slot.encoded()));
        }
        write.accept(entries);
        for (Slot slot : changed) {
            slot.changed = false;
            if (slot.removed) {
                forget(slot.key);
            }
        }
        changed.clear();
        epoch++;
    }

    /** A replay's partials: nothing below, everything kept until {@link #written}. */
    public static StagedPartials inMemory() {
        return new StagedPartials(key -> null);
    }

    /** Drains every staged change and answers the resulting keys and bytes, in key order (for a replay, whose store starts empty). */
    public SortedMap<String, byte[]> written() {
        SortedMap<String, byte[]> bytes = new TreeMap<>();
        drain(entries -> entries.forEach(entry -> {
            if (entry.getValue() == null) {
                bytes.remove(entry.getKey());
            } else {
                bytes.put(entry.getKey(), entry.getValue());
            }
        }));
        return bytes;
    }

    /**
     * What stored partials say, bucket by bucket, however they are laid out: every resource
     * partial and every record's metrics of a bucket, under the bucket's key
     * ({@link AnalyticsKeys#record}) whether the bucket is open or closed.
     */
    public static SortedMap<String, Metrics> logical(SortedMap<String, byte[]> stored) {
        SortedMap<String, MutableMetrics> merged = new TreeMap<>();
        stored.forEach((key, value) -> {
            if (!AnalyticsKeys.isOpen(key)) {
                merged.merge(key, MetricsCodec.decodeMutable(value), MutableMetrics::addSameRecord);
                return;
            }
            String resource = AnalyticsKeys.resourceOf(key);
            String field = AnalyticsKeys.fieldOf(key);
            String id = AnalyticsKeys.idOfOpen(key);
            OpenBuckets open = OpenBuckets.decode(value);
            for (Granularity granularity : Granularity.values()) {
                MutableMetrics metrics = open.metrics(granularity);
                if (metrics != null) {
                    merged.merge(AnalyticsKeys.record(resource, field, granularity,
                            java.time.Instant.ofEpochSecond(open.start(granularity)), id), metrics, MutableMetrics::addSameRecord);
                }
            }
        });
        SortedMap<String, Metrics> logical = new TreeMap<>();
        merged.forEach((key, metrics) -> logical.put(key, metrics.toMetrics()));
        return logical;
    }

    /**
     * Keeps the most recently used clean values decoded, up to the memory of {@code max} metrics (a
     * record's open buckets count as five); changed ones stay.
     */
    public void keepRecent(int max) {
        Iterator<Slot> eldest = decoded.values().iterator();
        while (weight > max && eldest.hasNext()) {
            Slot slot = eldest.next();
            if (!slot.changed) {
                eldest.remove();
                weight -= weightOf(slot.key);
            }
        }
        epoch++;
    }

    /** What a key's decoded value weighs, in metrics: a record's open buckets hold up to one per granularity. */
    private static int weightOf(String key) {
        return AnalyticsKeys.isOpen(key) ? Granularity.values().length : 1;
    }

    private void forget(String key) {
        if (decoded.remove(key) != null) {
            weight -= weightOf(key);
        }
    }

    /** Forgets everything in hand, staged changes included. */
    public void clear() {
        changed.clear();
        decoded.clear();
        weight = 0;
        epoch++;
    }

    public int size() {
        return decoded.size();
    }

    private Slot changing(String key) {
        return changing(slot(key));
    }

    private Slot changing(Slot slot) {
        if (!slot.changed) {
            slot.changed = true;
            changed.add(slot);
        }
        return slot;
    }

    private Slot slot(String key) {
        Slot slot = decoded.get(key);
        if (slot == null) {
            slot = new Slot(key);
            byte[] stored = below.apply(key);
            if (stored != null) {
                if (AnalyticsKeys.isOpen(key)) {
                    slot.open = OpenBuckets.decode(stored);
                } else {
                    slot.metrics = MetricsCodec.decodeMutable(stored);
                }
            } else {
                slot.removed = true;
            }
            decoded.put(key, slot);
            weight += weightOf(key);
        }
        return slot;
    }
}
