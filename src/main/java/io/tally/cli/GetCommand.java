package io.tally.cli;

import io.tally.config.Settings;
import io.tally.ledger.RecordKey;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Prints a record as the service last committed it, read from the compacted {@code tally.records}
 * topic — only the key's own partition, read committed, up to its end; or, with {@code --url},
 * as the REST API answers {@code GET /v1/{resource}/{id}} (from the owner's store).
 */
@Command(name = "get", description = "Print a record's current values, e.g. tally get wallets w1")
final class GetCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    SettingsOptions options;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", description = "the resource")
    String resource;

    @Parameters(index = "1", description = "the record id")
    String id;

    @Override
    public Integer call() {
        if (api.given()) {
            ApiClient client = api.client();
            return client.print(client.get(ApiClient.Path.v1(resource, id)));
        }
        Settings settings = options.load();
        String key = RecordKey.of(resource, id);
        // The cluster's client settings (kafkaPropertiesFile: security, timeouts) apply here as in the service.
        Map<String, Object> config = settings.kafkaClient(options.clientBootstrap(settings));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(TallyTopics.RECORDS, Duration.ofSeconds(30));
            int partition = TallyTopics.partitionOf(key, partitions.size());
            TopicPartition topicPartition = new TopicPartition(TallyTopics.RECORDS, partition);
            consumer.assign(List.of(topicPartition));
            consumer.seekToBeginning(List.of(topicPartition));
            long end = consumer.endOffsets(List.of(topicPartition)).get(topicPartition);
            String latest = null;
            while (consumer.position(topicPartition) < end) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        latest = record.value();
                    }
                }
            }
            if (latest == null) {
                spec.commandLine().getErr().println(key + " not found");
                return 3;
            }
            spec.commandLine().getOut().println(latest);
            return 0;
        }
    }
}
