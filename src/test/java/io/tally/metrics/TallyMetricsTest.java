package io.tally.metrics;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TallyMetricsTest {

    @Test
    void leavesEachStateStoresMetricsOutOfThePageAndKeepsTheRestOfKafkasAndTheStateUpdaters() {
        MockProducer<String, String> client = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        for (MetricName name : new MetricName[] {
                name("put-rate", "stream-state-metrics", Map.of("rocksdb-state-id", "tally-history")),
                name("process-total", "stream-thread-metrics", Map.of("thread-id", "t1")),
                name("active-restoring-tasks", "stream-state-updater-metrics", Map.of("thread-id", "t1")),
                name("record-queue-time-avg", "producer-metrics", Map.of("client-id", "producer-1"))}) {
            client.setMockMetrics(name, metric(name, 7));
        }

        try (TallyMetrics metrics = new TallyMetrics()) {
            metrics.bind(client);
            String page = metrics.scrape();

            assertThat(page).contains("kafka_stream_thread_process_total").contains("kafka_producer_record_queue_time_avg")
                    .as("the state updater's, one set per thread, are kept").contains("kafka_stream_state_updater_active_restoring_tasks")
                    .as("each store's are left out").doesNotContain("kafka_stream_state_put_rate").doesNotContain("tally-history");
        }
    }

    private static MetricName name(String name, String group, Map<String, String> tags) {
        return new MetricName(name, group, "", tags);
    }

    private static Metric metric(MetricName name, double value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return name;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }
}
