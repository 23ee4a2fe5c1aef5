package io.tally.stream;

import io.tally.analytics.PartialStores;
import io.tally.ledger.RecordKey;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * The partial analytics of this instance's active tasks, one store per partition. A query that
 * needs every partition fails with {@link IncompleteException} while some are elsewhere or
 * still restoring, instead of answering with part of the data.
 */
public final class StreamsPartialStores implements PartialStores {
    private final KafkaStreams streams;
    private final int partitionCount;

    /** @param partitionCount the partitions of the command topic, each holding one partial */
    public StreamsPartialStores(KafkaStreams streams, int partitionCount) {
        this.streams = streams;
        this.partitionCount = partitionCount;
    }

    /** Some partitions are not queryable here now: rebalancing, restoring, or owned by another instance. */
    public static final class IncompleteException extends RuntimeException {
        public IncompleteException(String message) {
            super(message);
        }
    }

    @Override
    public List<Partition> all() {
        Set<Integer> here = new TreeSet<>();
        for (var thread : streams.metadataForLocalThreads()) {
            thread.activeTasks().forEach(task -> task.topicPartitions().forEach(p -> here.add(p.partition())));
        }
        if (here.size() != partitionCount) {
            throw new IncompleteException("analytics need all " + partitionCount + " partitions; this instance is active for "
                    + here + " (starting, rebalancing or scaled out); retry shortly");
        }
        List<Partition> partitions = new ArrayList<>();
        for (int partition : here) {
            partitions.add(partition(partition));
        }
        return partitions;
    }

    @Override
    public Partition ownerOf(String resource, String id) {
        return partition(TallyTopics.partitionOf(RecordKey.of(resource, id), partitionCount));
    }

    /** One interactive query (IQv2) over every active partition, instead of a store lookup per partition. */
    @Override
    public void range(String from, String to, BiConsumer<String, byte[]> each) {
        StateQueryRequest<KeyValueIterator<String, byte[]>> request = StateQueryRequest.inStore(TallyTopics.ANALYTICS_STORE)
                .withQuery(RangeQuery.<String, byte[]>withRange(from, to))
                .requireActive();
        Map<Integer, QueryResult<KeyValueIterator<String, byte[]>>> results = streams.query(request).getPartitionResults();
        try {
            List<String> failed = new ArrayList<>();
            for (int partition = 0; partition < partitionCount; partition++) {
                QueryResult<KeyValueIterator<String, byte[]>> result = results.get(partition);
                if (result == null || result.isFailure()) {
                    failed.add(partition + (result == null ? " (not here)" : " (" + result.getFailureReason() + ")"));
                }
            }
            if (!failed.isEmpty()) {
                throw new IncompleteException("analytics need all " + partitionCount
                        + " partitions; not queryable here now: " + failed + "; retry shortly");
            }
            for (QueryResult<KeyValueIterator<String, byte[]>> result : results.values()) {
                result.getResult().forEachRemaining(entry -> each.accept(entry.key, entry.value));
            }
        } finally {
            for (QueryResult<KeyValueIterator<String, byte[]>> result : results.values()) {
                if (result.isSuccess()) {
                    result.getResult().close();
                }
            }
        }
    }

    /**
     * The entries in [from, to] of every partition this instance is active for, by partition, and
     * no completeness check: what this instance contributes to a query merged across instances.
     */
    public Map<Integer, List<Map.Entry<String, byte[]>>> localRange(String from, String to) {
        StateQueryRequest<KeyValueIterator<String, byte[]>> request = StateQueryRequest.inStore(TallyTopics.ANALYTICS_STORE)
                .withQuery(RangeQuery.<String, byte[]>withRange(from, to))
                .requireActive();
        Map<Integer, QueryResult<KeyValueIterator<String, byte[]>>> results = streams.query(request).getPartitionResults();
        Map<Integer, List<Map.Entry<String, byte[]>>> entries = new TreeMap<>();
        for (Map.Entry<Integer, QueryResult<KeyValueIterator<String, byte[]>>> result : results.entrySet()) {
            if (result.getValue().isSuccess()) {
                List<Map.Entry<String, byte[]>> found = new ArrayList<>();
                try (KeyValueIterator<String, byte[]> iterator = result.getValue().getResult()) {
                    iterator.forEachRemaining(entry -> found.add(Map.entry(entry.key, entry.value)));
                }
                entries.put(result.getKey(), found);
            }
        }
        return entries;
    }

    /** One partition's store here, when this instance is active for it. */
    public Partition localPartition(int partition) {
        return partition(partition);
    }

    /** One partition's store through interactive queries (IQv2), which fail while it is not active here. */
    private Partition partition(int partition) {
        return new Partition() {
            @Override
            public byte[] get(String key) {
                return only(partition, KeyQuery.<String, byte[]>withKey(key));
            }

            @Override
            public void range(String from, String to, BiConsumer<String, byte[]> each) {
                try (KeyValueIterator<String, byte[]> entries = only(partition, RangeQuery.<String, byte[]>withRange(from, to))) {
                    entries.forEachRemaining(entry -> each.accept(entry.key, entry.value));
                } catch (InvalidStateStoreException e) {
                    // A scan of a large field takes seconds; the task may move away meanwhile.
                    throw new IncompleteException("partition " + partition + " of the analytics closed while it was read ("
                            + e.getMessage() + "); retry shortly");
                }
            }
        };
    }

    private <R> R only(int partition, Query<R> query) {
        QueryResult<R> result = streams.query(StateQueryRequest.inStore(TallyTopics.ANALYTICS_STORE).withQuery(query)
                .withPartitions(Set.of(partition)).requireActive()).getPartitionResults().get(partition);
        if (result == null || result.isFailure()) {
            throw new IncompleteException("partition " + partition + " of the analytics is not queryable here"
                    + (result == null ? "" : ": " + result.getFailureReason() + " " + result.getFailureMessage()));
        }
        return result.getResult();
    }
}
