package io.tally.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Reads a whole topic, from its start to its end as of now, read committed, partition by partition in offset order. */
public final class TopicReader {
    private TopicReader() {
    }

    /** @param client the Kafka client configuration (servers and security) */
    public static int partitionCount(Map<String, Object> client, String topic, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(client,
                new StringDeserializer(), new ByteArrayDeserializer())) {
            int count = consumer.partitionsFor(topic, timeout).size();
            if (count == 0) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            return count;
        }
    }

    /** @return the topic's partition count */
    public static int readAll(Map<String, Object> client, String topic, Duration timeout,
                              Consumer<ConsumerRecord<String, byte[]>> each) {
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    each.accept(record);
                }
            }
            return partitions.size();
        }
    }
}
