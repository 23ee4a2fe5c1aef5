package io.tally.kafka;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The comparison behind {@link TopicAdmin#apply}, without a broker. */
class TopicChangesTest {
    private static final TopicDeclaration DECLARED = new TopicDeclaration("t", "", 4, 1,
            Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "3600000"));

    @Test
    void aTopicAsDeclaredNeedsNothing() {
        TopicChanges changes = TopicChanges.between(DECLARED, 4, 1, config(
                entry("cleanup.policy", "compact", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                entry("min.compaction.lag.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                entry("retention.ms", "604800000", ConfigSource.DEFAULT_CONFIG)));

        assertThat(changes.isEmpty()).isTrue();
        assertThat(changes.warnings()).isEmpty();
        assertThat(changes.summary()).isEqualTo("t");
    }

    @Test
    void setsOnlyTheSettingsThatDiffer() {
        TopicChanges changes = TopicChanges.between(DECLARED, 4, 1, config(
                entry("cleanup.policy", "delete", ConfigSource.DEFAULT_CONFIG),
                entry("min.compaction.lag.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG)));

        assertThat(changes.configUpdates()).isEqualTo(Map.of("cleanup.policy", "compact"));
        assertThat(changes.partitionsTo()).isNull();
        assertThat(changes.summary()).isEqualTo("t (cleanup.policy delete → compact)");
    }

    @Test
    void leavesWhatKafkaCannotChangeInPlaceAndSaysSo() {
        TopicChanges changes = TopicChanges.between(DECLARED, 6, 3, config(
                entry("cleanup.policy", "compact", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                entry("min.compaction.lag.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                entry("segment.ms", "60000", ConfigSource.DYNAMIC_TOPIC_CONFIG)));

        assertThat(changes.isEmpty()).isTrue();
        assertThat(changes.warnings()).containsExactly(
                "t: has 6 partitions, 4 declared; Kafka cannot remove partitions, so it keeps 6",
                "t: has 3 replica(s), 1 declared; changing that takes a partition reassignment, so it is left as is",
                "t: segment.ms=60000 is set on the cluster but not declared; left as is");
    }

    @Test
    void growsPartitionsAndWarnsThatKeysMove() {
        TopicChanges changes = TopicChanges.between(DECLARED, 2, 1, config(
                entry("cleanup.policy", "compact", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                entry("min.compaction.lag.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG)));

        assertThat(changes.partitionsTo()).isEqualTo(4);
        assertThat(changes.summary()).isEqualTo("t (partitions 2 → 4)");
        assertThat(changes.warnings()).singleElement().asString().contains("keys", "reset");
    }

    private static Config config(ConfigEntry... entries) {
        return new Config(List.of(entries));
    }

    private static ConfigEntry entry(String name, String value, ConfigSource source) {
        return new ConfigEntry(name, value, source, false, false, List.of(), ConfigEntry.ConfigType.STRING, null);
    }
}
