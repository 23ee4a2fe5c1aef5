package io.tally.stream;

import io.tally.analytics.InMemoryPartials;
import io.tally.kafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.time.Duration;
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
        int count;
        try {
            count = TopicReader.partitionCount(client, topic, timeout);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("no analytics yet: topic " + topic + " does not exist (has Tally run?)", e);
        }
        InMemoryPartials partials = new InMemoryPartials(count, recordKey -> TallyTopics.partitionOf(recordKey, count));
        TopicReader.readAll(client, topic, timeout, record -> partials.put(record.partition(), record.key(), record.value()));
        return partials;
    }

}
