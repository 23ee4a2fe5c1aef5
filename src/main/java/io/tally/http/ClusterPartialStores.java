package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.analytics.PartialStores;
import io.tally.ledger.RecordKey;
import io.tally.stream.StreamsPartialStores;
import io.tally.stream.StreamsPartialStores.IncompleteException;
import io.tally.stream.TallyTopics;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * The partial analytics of the whole deployment: this instance's active partitions read locally,
 * every other instance's asked over HTTP, at the hosts Kafka Streams' metadata names. A query
 * answers only when every partition was read exactly once, from its active task; otherwise it
 * fails with {@link IncompleteException} (a 503 with Retry-After), never with part of the data.
 */
final class ClusterPartialStores implements PartialStores {
    private final KafkaStreams streams;
    private final StreamsPartialStores local;
    private final HostInfo self;
    private final int partitionCount;
    private final Forwarder forwarder;

    ClusterPartialStores(KafkaStreams streams, StreamsPartialStores local, HostInfo self, int partitionCount,
                         Forwarder forwarder) {
        this.streams = streams;
        this.local = local;
        this.self = self;
        this.partitionCount = partitionCount;
        this.forwarder = forwarder;
    }

    @Override
    public List<Partition> all() {
        return local.all();
    }

    @Override
    public void range(String from, String to, BiConsumer<String, byte[]> each) {
        Set<Integer> read = new TreeSet<>();
        local.localRange(from, to).forEach((partition, entries) -> {
            read.add(partition);
            entries.forEach(entry -> each.accept(entry.getKey(), entry.getValue()));
        });
        for (JsonNode answer : answer(forwarder.askOthers(streams, self, "/internal/v1/partials?from=" + encode(from)
                + "&to=" + encode(to)))) {
            Iterator<Map.Entry<String, JsonNode>> partitions = answer.path("partitions").fields();
            while (partitions.hasNext()) {
                Map.Entry<String, JsonNode> partition = partitions.next();
                if (!read.add(Integer.parseInt(partition.getKey()))) {
                    continue;
                }
                entries(partition.getValue(), each);
            }
        }
        if (read.size() != partitionCount) {
            throw new IncompleteException("analytics need all " + partitionCount + " partitions; only " + read
                    + " are active and reachable now (rebalancing?); retry shortly");
        }
    }

    @Override
    public Partition ownerOf(String resource, String id) {
        String recordKey = RecordKey.of(resource, id);
        KeyQueryMetadata owner = streams.queryMetadataForKey(TallyTopics.ANALYTICS_STORE, recordKey, new StringSerializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new IncompleteException("the owner of " + recordKey + " is not known now (rebalancing?); retry shortly");
        }
        if (owner.activeHost().equals(self)) {
            return local.localPartition(owner.partition());
        }
        return remote(owner.activeHost(), owner.partition());
    }

    /**
     * Every partition where it is active: this instance's read locally, the others' over HTTP one
     * partition per request, when each is read. Fails while some partition has no active task.
     */
    @Override
    public List<Partition> everyPartition() {
        Map<Integer, HostInfo> owners = new TreeMap<>();
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            for (TopicPartition partition : instance.topicPartitions()) {
                if (partition.topic().equals(TallyTopics.COMMANDS)) {
                    owners.putIfAbsent(partition.partition(), instance.hostInfo());
                }
            }
        }
        List<Partition> partitions = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int partition = 0; partition < partitionCount; partition++) {
            HostInfo owner = owners.get(partition);
            if (owner == null) {
                missing.add(partition);
            } else {
                partitions.add(owner.equals(self) ? local.localPartition(partition) : remote(owner, partition));
            }
        }
        if (!missing.isEmpty()) {
            throw new IncompleteException("analytics need all " + partitionCount + " partitions; " + missing
                    + " have no active instance now (rebalancing?); retry shortly");
        }
        if (owners.size() > partitionCount) {
            throw new IncompleteException("the command topic has " + owners.size() + " partitions, this instance knows of "
                    + partitionCount + "; restart it to query them all");
        }
        return partitions;
    }

    /** A partition active at another instance, read through its internal API. */
    private Partition remote(HostInfo host, int partition) {
        return new Partition() {
            @Override
            public byte[] get(String key) {
                JsonNode answer = answer(forwarder.getJson(host, "/internal/v1/partial?partition=" + partition
                        + "&key=" + encode(key)));
                return answer.path("value").isTextual() ? Base64.getDecoder().decode(answer.get("value").asText()) : null;
            }

            @Override
            public void range(String from, String to, BiConsumer<String, byte[]> each) {
                JsonNode answer = answer(forwarder.getJson(host, "/internal/v1/partials?from=" + encode(from)
                        + "&to=" + encode(to) + "&partition=" + partition));
                JsonNode entries = answer.path("partitions").path(String.valueOf(partition));
                if (!entries.isArray()) {
                    throw new IncompleteException("partition " + partition + " was not read at " + host.host() + ":"
                            + host.port() + " (moved meanwhile?); retry shortly");
                }
                entries(entries, each);
            }
        };
    }

    /**
     * Waits for another instance's answer: analytics queries are synchronous, and run on their own
     * threads ({@link HttpApi}'s queries pool), not the server's.
     */
    private static <T> T answer(CompletableFuture<T> asked) {
        try {
            return asked.join();
        } catch (CompletionException e) {
            if (HttpApi.unwrap(e) instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** A partition's entries as the internal API sends them: {@code [key, base64 value]} pairs. */
    private static void entries(JsonNode entries, BiConsumer<String, byte[]> each) {
        for (JsonNode entry : entries) {
            each.accept(entry.get(0).asText(), Base64.getDecoder().decode(entry.get(1).asText()));
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
