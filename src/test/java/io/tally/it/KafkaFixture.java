package io.tally.it;

import io.tally.config.Settings;
import io.tally.config.SettingsLoader;
import io.tally.stream.TallyTopology;
import io.tally.stream.RejectionRecord;
import io.tally.ledger.Transaction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** Clients and settings for integration tests against a real broker. */
final class KafkaFixture {
    private KafkaFixture() {
    }

    static Settings settings(String bootstrap, Path stateDir, String applicationId, int partitions) {
        return settings(bootstrap, stateDir, applicationId, partitions, Map.of());
    }

    /** @param more further settings, over the defaults (a {@code resources} entry replaces the example resources) */
    static Settings settings(String bootstrap, Path stateDir, String applicationId, int partitions,
                             Map<String, Object> more) {
        Map<String, Object> tree = new HashMap<>(more);
        tree.put("bootstrapServers", bootstrap);
        tree.put("stateDir", stateDir.toString());
        tree.put("applicationId", applicationId);
        tree.put("topicPartitions", String.valueOf(partitions));
        return SettingsLoader.fromMap(tree);
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new ByteArraySerializer());
    }

    static List<Transaction> transactions(String bootstrap) {
        return readAll(bootstrap, io.tally.stream.TallyTopics.TRANSACTIONS, TallyTopology.TRANSACTION_SERDE);
    }

    static List<RejectionRecord> rejections(String bootstrap) {
        return readAll(bootstrap, io.tally.stream.TallyTopics.REJECTIONS, TallyTopology.REJECTION_SERDE);
    }

    /** Every committed message of {@code topic}, partition by partition, up to the current end. */
    static <T> List<T> readAll(String bootstrap, String topic, Deserializer<T> values) {
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<T> all = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, T> record : consumer.poll(Duration.ofMillis(200))) {
                    all.add(record.value());
                }
            }
            return all;
        }
    }

    /**
     * Waits until no transaction is open on {@code topic}. Committed records are read up to the last
     * stable offset, which stops before a transaction still open: one an instance left behind when it
     * stopped stays open until the coordinator aborts it (the transaction timeout, then the
     * coordinator's next check, up to ~20 s), and until then it hides every record written to its
     * partition after it began, other instances' committed transactions included.
     */
    static void awaitNoOpenTransaction(String bootstrap, String topic) {
        long began = System.nanoTime();
        List<TopicPartition> open = openTransactions(bootstrap, topic);
        if (open.isEmpty()) {
            return;
        }
        org.awaitility.Awaitility.await("no transaction open on " + topic).atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500)).until(() -> openTransactions(bootstrap, topic).isEmpty());
        System.out.printf("waited %d ms for transactions open on %s to end%n",
                Duration.ofNanos(System.nanoTime() - began).toMillis(), open);
    }

    /** The partitions of {@code topic} where a transaction is open: their last stable offset is behind their end. */
    static List<TopicPartition> openTransactions(String bootstrap, String topic) {
        try (Admin admin = Admin.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().forEach(p ->
                    latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            var stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            var written = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get();
            return stable.keySet().stream()
                    .filter(partition -> stable.get(partition).offset() != written.get(partition).offset())
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of " + topic, e.getCause());
        }
    }

    /**
     * Whether the Kafka Streams application has committed every command on the topic: under
     * exactly-once its outputs commit in the same transaction, so they are all readable now.
     */
    static boolean consumedAll(String bootstrap, String applicationId) throws Exception {
        try (Admin admin = Admin.create(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            var committed = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
            var partitions = admin.describeTopics(List.of(io.tally.stream.TallyTopics.COMMANDS)).allTopicNames().get()
                    .get(io.tally.stream.TallyTopics.COMMANDS).partitions();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(new TopicPartition(io.tally.stream.TallyTopics.COMMANDS, p.partition()),
                    OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            return ends.entrySet().stream().allMatch(end -> end.getValue().offset() == 0
                    || committed.get(end.getKey()) != null && committed.get(end.getKey()).offset() >= end.getValue().offset());
        }
    }

    /**
     * Whether the group has settled on {@code members} members that share every partition of the
     * command topic between them, none idle: the rebalance after a join or a leave is over.
     */
    static boolean groupSettled(String bootstrap, String applicationId, int members, int partitions) throws Exception {
        try (Admin admin = Admin.create(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            var group = admin.describeConsumerGroups(List.of(applicationId)).all().get().get(applicationId);
            List<Integer> shares = group.members().stream()
                    .map(member -> member.assignment().topicPartitions().size()).toList();
            return group.groupState() == org.apache.kafka.common.GroupState.STABLE && shares.size() == members
                    && shares.stream().allMatch(share -> share > 0)
                    && shares.stream().mapToInt(Integer::intValue).sum() == partitions;
        }
    }

    /** Every committed message of {@code topic} with its key, partition and offset, up to the current end, once no transaction is open on it. */
    static List<ConsumerRecord<String, byte[]>> records(String bootstrap, String topic) {
        awaitNoOpenTransaction(bootstrap, topic);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000), new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
            return all;
        }
    }
}
