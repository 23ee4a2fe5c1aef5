package io.tally.stream;

import io.tally.config.Settings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Properties;

/** Kafka Streams configuration from Tally's settings; every option that changes behaviour is set here explicitly. */
public final class StreamsProperties {
    private StreamsProperties() {
    }

    /** @param applicationServer {@code host:port} of this instance's REST API, or null when it has none */
    public static Properties of(Settings settings, String bootstrapServers, String applicationServer) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, settings.processingGuarantee());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitInterval().toMillis());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads());
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, settings.replicationFactor());
        if (applicationServer != null) {
            // Lets every instance find the owner of a key and the others' partitions (queries route).
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        // Bounded memory for the record cache in front of the stores. It conflates the analytics
        // partials' writes within a commit (ten per command); the audit log does not pass through
        // it (transactions are forwarded one per command), so caching never conflates that.
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        // A task's input is keyed commands only; reading them in offset order is what the ledger needs.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        return props;
    }
}
