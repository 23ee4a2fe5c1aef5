package io.tally.stream;

import io.tally.analytics.InMemoryPartials;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Reads the committed partial analytics of a running Tally from the analytics store's changelog,
 * one map per partition, exactly as a restoring task would. The CLI answers analytics queries from
 * it until it can ask a running instance.
 */
public final class ChangelogPartials {
    private ChangelogPartials() {
    }

    public static String changelogTopic(String applicationId) {
        return applicationId + "-" + TallyTopics.ANALYTICS_STORE + "-changelog";
    }

    public static InMemoryPartials read(String bootstrap, String applicationId, Duration timeout) {
        return read(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), applicationId, timeout);
    }

    /** @param client the Kafka client configuration (servers and security) */
    public static InMemoryPartials read(Map<String, Object> client, String applicationId, Duration timeout) {
        String topic = changelogTopic(applicationId);
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("no analytics yet: topic " + topic + " does not exist (has Tally run?)");
            }
            int count = partitions.size();
            InMemoryPartials partials = new InMemoryPartials(count, recordKey -> TallyTopics.partitionOf(recordKey, count));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    partials.put(record.partition(), record.key(), record.value());
                }
            }
            return partials;
        }
    }
}
