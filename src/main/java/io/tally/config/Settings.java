package io.tally.config;

import io.tally.analytics.AnalyticsSettings;
import io.tally.ledger.ResourceSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Every setting of a Tally instance, validated once at the edge ({@link SettingsLoader}) and
 * passed inward. The README lists each with its environment variable.
 *
 * @param bootstrapServers      the Kafka cluster to join; null starts the embedded broker
 * @param embeddedPort          port of the embedded broker (0 picks a free one)
 * @param dataDir               where the embedded broker keeps its log
 * @param stateDir              Kafka Streams state directory
 * @param commitInterval        how often Kafka Streams commits
 * @param syncCommitInterval    the least time between the commits that sync writes ask for (their
 *                              commands carry a header); at or above commitInterval they wait for the regular commit
 * @param topicPartitions       forces the partition count of every declared topic, or null to use topics/
 * @param replicationFactor     replication of Kafka Streams' internal topics (changelogs)
 * @param applyTopics           create or update the topics from topics/ on start
 * @param dedupeHorizon         how long a transaction id is remembered to answer a repeat as a duplicate
 * @param maxPendingPerRecord   how many changes may wait for one record to be created
 * @param maxCommandBytes       the largest command message accepted; bigger ones are rejected as MALFORMED
 * @param analytics             calendar zones and how long each granularity of analytics is kept
 * @param http                  the REST API
 * @param standbyReplicas       warm copies of each task's state on other instances (Kafka Streams num.standby.replicas)
 * @param kafkaProperties       extra properties for every Kafka client (security.protocol, sasl.*, ssl.* ...),
 *                              from the file {@code kafkaPropertiesFile} names
 * @param rocksdbMemoryBytes    off-heap memory of all state stores together (block cache and memtables)
 */
public record Settings(
        String bootstrapServers,
        int embeddedPort,
        Path dataDir,
        String applicationId,
        Path stateDir,
        String processingGuarantee,
        Duration commitInterval,
        Duration syncCommitInterval,
        int streamThreads,
        Integer topicPartitions,
        int replicationFactor,
        boolean applyTopics,
        Duration dedupeHorizon,
        int maxPendingPerRecord,
        int maxCommandBytes,
        Map<String, ResourceSpec> resources,
        AnalyticsSettings analytics,
        HttpSettings http,
        int standbyReplicas,
        Map<String, String> kafkaProperties,
        long rocksdbMemoryBytes) {

    public Settings {
        resources = Map.copyOf(resources);
        kafkaProperties = Map.copyOf(kafkaProperties);
    }

    /** The configuration of a Kafka client of this instance: the extra properties, then the servers. */
    public Map<String, Object> kafkaClient(String bootstrap) {
        Map<String, Object> config = new java.util.HashMap<>(kafkaProperties);
        config.put("bootstrap.servers", bootstrap);
        return config;
    }

    /**
     * How far apart the stream threads space the commits that sync writes ask for, or zero when
     * sync writes wait for the regular commit: when the prompt commits would be no sooner, or
     * without exactly-once, where nothing waits for a commit to become visible.
     */
    public Duration syncCommitSpacing() {
        boolean exactlyOnce = processingGuarantee.startsWith("exactly_once");
        return exactlyOnce && syncCommitInterval.compareTo(commitInterval) < 0 ? syncCommitInterval : Duration.ZERO;
    }

    public boolean embedded() {
        return bootstrapServers == null;
    }

    public Settings withApplyTopics(boolean apply) {
        return new Settings(bootstrapServers, embeddedPort, dataDir, applicationId, stateDir, processingGuarantee,
                commitInterval, syncCommitInterval, streamThreads, topicPartitions, replicationFactor, apply, dedupeHorizon,
                maxPendingPerRecord, maxCommandBytes, resources, analytics, http, standbyReplicas, kafkaProperties, rocksdbMemoryBytes);
    }

    public Settings withHttp(HttpSettings settings) {
        return new Settings(bootstrapServers, embeddedPort, dataDir, applicationId, stateDir, processingGuarantee,
                commitInterval, syncCommitInterval, streamThreads, topicPartitions, replicationFactor, applyTopics, dedupeHorizon,
                maxPendingPerRecord, maxCommandBytes, resources, analytics, settings, standbyReplicas, kafkaProperties, rocksdbMemoryBytes);
    }

    public Settings withBootstrapServers(String servers) {
        return new Settings(servers, embeddedPort, dataDir, applicationId, stateDir, processingGuarantee,
                commitInterval, syncCommitInterval, streamThreads, topicPartitions, replicationFactor, applyTopics, dedupeHorizon,
                maxPendingPerRecord, maxCommandBytes, resources, analytics, http, standbyReplicas, kafkaProperties, rocksdbMemoryBytes);
    }
}
