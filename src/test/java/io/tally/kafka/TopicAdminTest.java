package io.tally.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** One embedded broker for the class; each test works on topics of its own. */
class TopicAdminTest {
    @TempDir
    static Path dataDir;
    static EmbeddedKafka broker;
    static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.start(dataDir, 0);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    @Test
    void createsTheDeclaredTopicsAndFindsNothingToDoTheSecondTime() throws Exception {
        List<TopicDeclaration> declared = TopicDeclarations.fromClasspath();

        ApplyReport first = TopicAdmin.apply(admin, declared, TopicOverrides.partitions(4));
        ApplyReport second = TopicAdmin.apply(admin, declared, TopicOverrides.partitions(4));

        assertThat(first.created()).containsExactly(
                "tally.commands (4 partitions, 1 replica(s))", "tally.transactions (4 partitions, 1 replica(s))",
                "tally.rejections (4 partitions, 1 replica(s))", "tally.records (4 partitions, 1 replica(s))");
        assertThat(first.warnings()).singleElement().asString()
                .contains("1 broker(s)", "tally.commands 3 → 1", "tally.records 3 → 1");
        assertThat(second.changedNothing()).isTrue();
        assertThat(second.unchanged()).containsExactly(
                "tally.commands", "tally.transactions", "tally.rejections", "tally.records");
        assertThat(second.toString()).endsWith("4 topic(s) already as declared, nothing changed");
        for (String topic : TopicDeclarations.NAMES) {
            assertThat(describe(topic).partitions()).hasSize(4)
                    .allSatisfy(partition -> assertThat(partition.replicas()).hasSize(1));
            // min.insync.replicas 2 is declared; above the one replica it would refuse every acks=all write.
            assertThat(config(topic, "min.insync.replicas")).isEqualTo("1");
        }
        assertThat(config("tally.records", "cleanup.policy")).isEqualTo("compact");
        assertThat(config("tally.records", "min.compaction.lag.ms")).isEqualTo("3600000");
        assertThat(config("tally.transactions", "retention.ms")).isEqualTo("-1");
        assertThat(config("tally.commands", "retention.ms")).isEqualTo("604800000");
    }

    @Test
    void updatesAConfigThatDiffersFromTheDeclaration() throws Exception {
        TopicDeclaration day = topic("updated", 2, Map.of("retention.ms", "86400000"));
        TopicAdmin.apply(admin, List.of(day), TopicOverrides.none());

        TopicDeclaration week = topic("updated", 2, Map.of("retention.ms", "604800000", "cleanup.policy", "compact"));
        ApplyReport changed = TopicAdmin.apply(admin, List.of(week), TopicOverrides.none());
        ApplyReport again = TopicAdmin.apply(admin, List.of(week), TopicOverrides.none());

        assertThat(changed.updated())
                .containsExactly("updated (cleanup.policy delete → compact, retention.ms 86400000 → 604800000)");
        assertThat(config("updated", "retention.ms")).isEqualTo("604800000");
        assertThat(config("updated", "cleanup.policy")).isEqualTo("compact");
        assertThat(again.changedNothing()).isTrue();
    }

    @Test
    void growsPartitionsButNeverRemovesThem() throws Exception {
        TopicDeclaration declared = topic("grown", 2, Map.of());
        TopicAdmin.apply(admin, List.of(declared), TopicOverrides.none());

        ApplyReport grown = TopicAdmin.apply(admin, List.of(declared), TopicOverrides.partitions(6));
        ApplyReport shrunk = TopicAdmin.apply(admin, List.of(declared), TopicOverrides.partitions(3));

        assertThat(grown.updated()).containsExactly("grown (partitions 2 → 6)");
        assertThat(grown.warnings()).singleElement().asString().contains("grown", "keys");
        assertThat(describe("grown").partitions()).hasSize(6);
        assertThat(shrunk.changedNothing()).isTrue();
        assertThat(shrunk.unchanged()).containsExactly("grown");
        assertThat(shrunk.warnings()).singleElement().asString().contains("has 6 partitions, 3 declared");
    }

    @Test
    void warnsAboutSettingsOnTheClusterThatAreNotDeclared() throws Exception {
        TopicAdmin.apply(admin, List.of(topic("tuned", 1, Map.of())), TopicOverrides.none());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "tuned");
        admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("segment.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
        await().until(() -> "3600000".equals(config("tuned", "segment.ms")));

        ApplyReport report = TopicAdmin.apply(admin, List.of(topic("tuned", 1, Map.of())), TopicOverrides.none());

        assertThat(report.changedNothing()).isTrue();
        assertThat(report.warnings()).containsExactly(
                "tuned: segment.ms=3600000 is set on the cluster but not declared; left as is");
    }

    @Test
    void withoutTheCapATopicNeedsAsManyBrokersAsReplicas() {
        TopicDeclaration threeReplicas = new TopicDeclaration("uncapped", "", 1, 3, Map.of());

        assertThatThrownBy(() -> TopicAdmin.apply(admin, List.of(threeReplicas),
                TopicOverrides.none().withoutReplicationCap()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("replication factor");
    }

    private static TopicDeclaration topic(String name, int partitions, Map<String, String> config) {
        return new TopicDeclaration(name, "a test topic", partitions, 1, config);
    }

    private static TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    private static String config(String topic, String key) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        return config.get(key).value();
    }
}
