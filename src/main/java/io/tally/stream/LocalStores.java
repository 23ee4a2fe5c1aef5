package io.tally.stream;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Reads of this instance's active record and history stores through interactive queries (IQv2
 * with {@code requireActive()}, so a standby never answers). A partition that is not active here
 * fails with {@link StreamsPartialStores.IncompleteException}, which the API turns into a 503.
 */
public final class LocalStores {
    /** History entries looked at for one page at most, so a rarely changed field still pages quickly. */
    static final int MAX_SCAN = 10_000;

    private final KafkaStreams streams;

    public LocalStores(KafkaStreams streams) {
        this.streams = streams;
    }

    /** A record's stored JSON (deleted records included, with live false), or null. */
    public byte[] record(int partition, String recordKey) {
        return only(TallyTopics.RECORDS_STORE, partition, KeyQuery.<String, byte[]>withKey(recordKey));
    }

    /** One transaction of a record's history, as on the audit log, or null. */
    public byte[] transaction(int partition, String recordKey, long sequence) {
        return only(TallyTopics.HISTORY_STORE, partition, KeyQuery.<String, byte[]>withKey(History.key(recordKey, sequence)));
    }

    /**
     * A record's transactions after a sequence, oldest first, that {@code keep} accepts, at most
     * {@code limit} (a page may hold fewer when {@link #MAX_SCAN} entries were looked at); and the
     * last sequence looked at as the cursor of the next page, null when the history is exhausted.
     */
    public Page<byte[]> history(int partition, String recordKey, long after, int limit, Predicate<byte[]> keep) {
        if (after == Long.MAX_VALUE) {
            return new Page<>(List.of(), null);
        }
        List<byte[]> found = new ArrayList<>();
        long last = after;
        int scanned = 0;
        boolean more = false;
        RangeQuery<String, byte[]> range = RangeQuery.withRange(History.key(recordKey, after + 1), History.last(recordKey));
        try (KeyValueIterator<String, byte[]> entries = only(TallyTopics.HISTORY_STORE, partition, range)) {
            while (entries.hasNext()) {
                var entry = entries.next();
                if (found.size() == limit || scanned++ == MAX_SCAN) {
                    more = true;
                    break;
                }
                last = History.sequenceOf(entry.key);
                if (keep.test(entry.value)) {
                    found.add(entry.value);
                }
            }
        }
        return new Page<>(found, more ? String.valueOf(last) : null);
    }

    /** Items of a page and the cursor of the next one, null at the end. */
    public record Page<T>(List<T> items, String next) {
    }

    /**
     * The ids of live records of a resource that start with a prefix and sort after a cursor (in
     * the UTF-8 byte order the stores keep), at most {@code limit} per partition, for every
     * partition active here.
     */
    public Map<Integer, List<String>> ids(String resource, String prefix, String after, int limit) {
        String start = resource + "/" + prefix;
        String from = after != null && compareUtf8(after, prefix) > 0 ? resource + "/" + after : start;
        StateQueryResult<KeyValueIterator<String, byte[]>> results = streams.query(
                StateQueryRequest.inStore(TallyTopics.RECORDS_STORE)
                        .withQuery(RangeQuery.<String, byte[]>withLowerBound(from)).requireActive());
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        for (Map.Entry<Integer, QueryResult<KeyValueIterator<String, byte[]>>> result : results.getPartitionResults().entrySet()) {
            if (!result.getValue().isSuccess()) {
                continue;
            }
            List<String> ids = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> entries = result.getValue().getResult()) {
                while (entries.hasNext() && ids.size() < limit) {
                    var entry = entries.next();
                    if (!entry.key.startsWith(start)) {
                        break;
                    }
                    String id = entry.key.substring(resource.length() + 1);
                    if ((after == null || compareUtf8(id, after) > 0) && live(entry.value)) {
                        ids.add(id);
                    }
                }
            }
            byPartition.put(result.getKey(), ids);
        }
        return byPartition;
    }

    /**
     * The notes of a transfer's steps (key {@code source}, {@code target}, {@code refund}) in every
     * partition active here, and the partitions that answered: a transfer's steps may be anywhere.
     */
    public Map<Integer, Map<String, byte[]>> transferNotes(String transferId) {
        StateQueryResult<KeyValueIterator<String, byte[]>> results = streams.query(
                StateQueryRequest.inStore(TallyTopics.TRANSFERS_STORE)
                        .withQuery(RangeQuery.<String, byte[]>withRange(transferId + "|", transferId + "|~")).requireActive());
        Map<Integer, Map<String, byte[]>> byPartition = new TreeMap<>();
        for (Map.Entry<Integer, QueryResult<KeyValueIterator<String, byte[]>>> result : results.getPartitionResults().entrySet()) {
            if (!result.getValue().isSuccess()) {
                continue;
            }
            Map<String, byte[]> notes = new TreeMap<>();
            try (KeyValueIterator<String, byte[]> entries = result.getValue().getResult()) {
                entries.forEachRemaining(entry -> notes.put(entry.key.substring(transferId.length() + 1), entry.value));
            }
            byPartition.put(result.getKey(), notes);
        }
        return byPartition;
    }

    /** What this instance's partitions hold that is not settled yet: the input of the consistency monitor. */
    public record Unsettled(long pending, Instant oldestPending, Map<String, Instant> debited, java.util.Set<String> settled) {
    }

    /**
     * Scans the pending and transfers stores of every partition active here: changes waiting for a
     * create (count, oldest event time), transfers debited here and not refunded (by id, with the
     * debit's time), and the ids of transfers credited or refunded here. A transfer is in flight
     * when it is debited somewhere and settled nowhere. Costs a scan of both stores.
     */
    public Unsettled unsettled() {
        long[] pending = new long[1];
        Instant[] oldest = new Instant[1];
        // Interactive queries answer in the store's own types: the pending store holds lists of commands.
        this.<List<io.tally.ledger.Command>>scanAll(TallyTopics.PENDING_STORE, (key, value) -> {
            for (io.tally.ledger.Command waiting : value) {
                pending[0]++;
                if (waiting.at() != null && (oldest[0] == null || waiting.at().isBefore(oldest[0]))) {
                    oldest[0] = waiting.at();
                }
            }
        });
        Map<String, Instant> debited = new java.util.HashMap<>();
        java.util.Set<String> settled = new java.util.HashSet<>();
        this.<byte[]>scanAll(TallyTopics.TRANSFERS_STORE, (key, value) -> {
            int bar = key.lastIndexOf('|');
            String transferId = key.substring(0, bar);
            String step = key.substring(bar + 1);
            try {
                var note = Json.MAPPER.readTree(value);
                if (step.equals("source") && note.path("state").asText().equals("debited")) {
                    debited.put(transferId, Instant.parse(note.path("at").asText()));
                } else if (step.equals("refund") || step.equals("target") && note.path("state").asText().equals("credited")) {
                    settled.add(transferId);
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("unreadable note in the transfers store", e);
            }
        });
        return new Unsettled(pending[0], oldest[0], debited, settled);
    }

    private <V> void scanAll(String store, java.util.function.BiConsumer<String, V> each) {
        StateQueryResult<KeyValueIterator<String, V>> results = streams.query(StateQueryRequest.inStore(store)
                .withQuery(RangeQuery.<String, V>withNoBounds()).requireActive());
        for (QueryResult<KeyValueIterator<String, V>> result : results.getPartitionResults().values()) {
            if (result.isSuccess()) {
                try (KeyValueIterator<String, V> entries = result.getResult()) {
                    entries.forEachRemaining(entry -> each.accept(entry.key, entry.value));
                }
            }
        }
    }

    /** Whether a stored record is live: the records store keeps deleted ones with their version. */
    private static boolean live(byte[] json) {
        try {
            return json != null && Json.MAPPER.readTree(json).path("live").asBoolean();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable record in the records store", e);
        }
    }

    public static int compareUtf8(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private <R> R only(String store, int partition, Query<R> query) {
        QueryResult<R> result = streams.query(StateQueryRequest.inStore(store).withQuery(query)
                .withPartitions(Set.of(partition)).requireActive()).getPartitionResults().get(partition);
        if (result == null || result.isFailure()) {
            throw new StreamsPartialStores.IncompleteException("partition " + partition + " of " + store
                    + " is not queryable on this instance now (starting, rebalancing, or owned by another instance)"
                    + (result == null ? "" : ": " + result.getFailureMessage()));
        }
        return result.getResult();
    }
}
