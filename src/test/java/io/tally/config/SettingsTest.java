package io.tally.config;

import io.tally.ledger.Consistency;
import io.tally.ledger.FieldSpec;
import io.tally.ledger.ResourceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    private static Map<String, Object> wallets(Map<String, Object> balance) {
        return Map.of("resources", Map.of("wallets", Map.of("fields", Map.of("balance", balance))));
    }

    @Test
    void defaultsRunTheExampleResourcesOnTheEmbeddedBroker() {
        Settings settings = SettingsLoader.fromMap(Map.of());
        assertThat(settings.embedded()).isTrue();
        assertThat(settings.processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(settings.dedupeHorizon()).isEqualTo(Duration.ofHours(24));
        assertThat(settings.commitInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(settings.syncCommitInterval()).isEqualTo(settings.commitInterval());
        assertThat(settings.syncCommitSpacing()).as("prompt commits are off by default").isZero();
        assertThat(SettingsLoader.fromMap(Map.of("syncCommitInterval", "50ms")).syncCommitSpacing())
                .isEqualTo(Duration.ofMillis(50));
        assertThat(settings.topicPartitions()).isNull();
        assertThat(settings.rocksdbMemoryBytes()).as("state stores share a bounded 256 MiB").isEqualTo(256 * 1024 * 1024);
        assertThat(settings.resources()).containsOnlyKeys("wallets", "counters");
        ResourceSpec counters = settings.resources().get("counters");
        assertThat(counters.createOnFirstUse()).isTrue();
        assertThat(counters.consistency()).isEqualTo(Consistency.ASYNC);
        assertThat(counters.fields()).containsOnlyKeys("stats.clicks", "stats.views");
        FieldSpec balance = settings.resources().get("wallets").field("balance");
        assertThat(balance.minimum()).isEqualTo(new BigDecimal("0.00"));
        assertThat(balance.scale()).isEqualTo(2);
    }

    @Test
    void readsFieldsExactly() {
        Settings settings = SettingsLoader.fromMap(wallets(Map.of("scale", 4, "minimum", "-0.1234", "maximum",
                "99999999999999999999.1234", "initial", "5", "reducer", "max")));
        FieldSpec balance = settings.resources().get("wallets").field("balance");
        assertThat(balance.maximum()).isEqualTo(new BigDecimal("99999999999999999999.1234"));
        assertThat(balance.initial()).isEqualTo(new BigDecimal("5.0000"));
        assertThat(balance.reducer().name()).isEqualTo("max");
        assertThat(settings.resources().get("wallets").consistency()).isEqualTo(Consistency.SYNC);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "scale not a number | scale | x | resources.wallets.fields.balance.scale: must be a whole number",
            "scale too big      | scale | 40 | resources.wallets.fields.balance.scale: must be between 0 and 18",
            "minimum with more decimals than the scale | minimum | 0.001 | resources.wallets.fields.balance.minimum: amount 0.001 has more than 0 decimal places",
            "unknown reducer    | reducer | median | resources.wallets.fields.balance.reducer: no reducer named 'median'",
            "initial outside bounds | minimum | 10 | resources.wallets.fields.balance.initial: initial value 0 lies outside the bounds",
            "typo in a key      | minimun | 0 | resources.wallets.fields.balance.minimun: unknown setting",
    })
    void refusesABadFieldNamingTheKey(String name, String key, String value, String message) {
        assertThatThrownBy(() -> SettingsLoader.fromMap(wallets(Map.of(key, value))))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void refusesBadTopLevelSettings() {
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("commitInterval", "soon")))
                .hasMessageStartingWith("commitInterval: not a duration");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("processingGuarantee", "exactly_once")))
                .hasMessageStartingWith("processingGuarantee: must be one of");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("resources", Map.of())))
                .hasMessageStartingWith("resources: declare at least one resource");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("resources", Map.of("Wallets!", Map.of()))))
                .hasMessageStartingWith("resources.Wallets!: a resource name");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("resources", Map.of("w", Map.of("fields", List.of("a"))))))
                .hasMessageStartingWith("resources.w.fields: must be a map");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("resources", Map.of("w", Map.of("consistency", "maybe",
                "fields", Map.of("a", Map.of()))))))
                .hasMessageStartingWith("resources.w.consistency: must be sync or async");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("http", Map.of("syncTimeout", "1ms"))))
                .hasMessageStartingWith("http.syncTimeout: must be at least 100ms, got 1ms");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("dedupeHorizon", "10ms")))
                .hasMessageStartingWith("dedupeHorizon: must be at least 1s, got 10ms");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("applyTopics", "yes")))
                .hasMessageStartingWith("applyTopics: must be true or false");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("rocksdbMemoryBytes", "1000000")))
                .hasMessageStartingWith("rocksdbMemoryBytes: must be 0 (no bound) or at least 33554432 (32 MiB), got 1000000");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("rocksdbMemoryBytes", "-1")))
                .hasMessageStartingWith("rocksdbMemoryBytes: must be 0 (no bound) or at least 33554432");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("rocksdbMemoryBytes", "lots")))
                .hasMessageStartingWith("rocksdbMemoryBytes: must be a whole number of bytes, got 'lots'");
        assertThat(SettingsLoader.fromMap(Map.of("rocksdbMemoryBytes", "0")).rocksdbMemoryBytes()).isZero();
        assertThat(SettingsLoader.fromMap(Map.of("rocksdbMemoryBytes", "8589934592")).rocksdbMemoryBytes())
                .as("beyond an int: a large pod's 8 GiB").isEqualTo(8L * 1024 * 1024 * 1024);
    }

    @Test
    void keepsAnalyticsOfEveryResourceUnlessTurnedOffGloballyOrPerResource() {
        Map<String, Object> counters = Map.of("createOnFirstUse", true, "fields", Map.of("clicks", Map.of()));
        Map<String, Object> wallets = Map.of("fields", Map.of("balance", Map.of()));
        assertThat(SettingsLoader.fromMap(Map.of()).analytics().off()).isEmpty();

        Settings oneOff = SettingsLoader.fromMap(Map.of("resources", Map.of("wallets", wallets,
                "counters", Map.of("analytics", false, "createOnFirstUse", true, "fields", Map.of("clicks", Map.of())))));
        assertThat(oneOff.analytics().kept("wallets")).isTrue();
        assertThat(oneOff.analytics().kept("counters")).isFalse();

        Settings onlyOneOn = SettingsLoader.fromMap(Map.of("analytics", Map.of("enabled", "false"), "resources",
                Map.of("wallets", Map.of("analytics", "true", "fields", Map.of("balance", Map.of())), "counters", counters)));
        assertThat(onlyOneOn.analytics().off()).containsExactly("counters");
        assertThat(onlyOneOn.analytics().retention()).isEqualTo(SettingsLoader.fromMap(Map.of()).analytics().retention());

        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("resources", Map.of("wallets",
                Map.of("analytics", "sometimes", "fields", Map.of("balance", Map.of()))))))
                .hasMessageStartingWith("resources.wallets.analytics: must be true or false, got 'sometimes'");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("analytics", Map.of("enabled", "no"))))
                .hasMessageStartingWith("analytics.enabled: must be true or false, got 'no'");
    }

    @Test
    void environmentOverridesTheFileWhichOverridesTheDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tally.yaml");
        Files.writeString(file, """
                bootstrapServers: kafka:9092
                dedupeHorizon: 1h
                resources:
                  counters:
                    createOnFirstUse: true
                    fields:
                      stats.clicks: {scale: 0, maximum: 10}
                """);
        Settings settings = SettingsLoader.load(file, Map.of(
                "TALLY_DEDUPE_HORIZON", "PT2H",
                "TALLY_RESOURCES_COUNTERS_FIELDS_STATS_CLICKS_MAXIMUM", "20"), Map.of());
        assertThat(settings.bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(settings.dedupeHorizon()).isEqualTo(Duration.ofHours(2));
        assertThat(settings.resources()).containsOnlyKeys("counters");
        assertThat(settings.resources().get("counters").field("stats.clicks").maximum()).isEqualByComparingTo("20");
    }

    @Test
    void namesTheVariablesThatSetNothing() {
        Map<String, String> env = Map.of("TALLY_COMMIT_INTERVAL", "50ms", "TALLY_COMITINTERVAL", "50ms",
                "TALLY_RESOURCES_WALLETS_FIELDS_BALANCE_MAXIMUM", "5", "TALLY_URL", "http://x", "PATH", "/bin");
        Set<String> applied = Set.of("TALLY_COMMIT_INTERVAL");

        assertThat(SettingsLoader.ignoredVariables(env, applied))
                .containsExactly("TALLY_COMITINTERVAL", "TALLY_RESOURCES_WALLETS_FIELDS_BALANCE_MAXIMUM");
    }

    @Test
    void refusesAKeyWrittenTwiceRatherThanKeepTheLast(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tally.yaml");
        Files.writeString(file, """
                resources:
                  wallets:
                    fields:
                      balance: {scale: 2, minimum: 0}
                  wallets:
                    fields:
                      points: {}
                """);
        assertThatThrownBy(() -> SettingsLoader.load(file, Map.of(), Map.of()))
                .isInstanceOf(SettingsException.class).hasMessageContaining("Duplicate field 'wallets'");
    }

    @Test
    void refusesAFileThatIsNotYaml(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tally.yaml");
        Files.writeString(file, "resources: [unclosed");
        assertThatThrownBy(() -> SettingsLoader.load(file, Map.of(), Map.of()))
                .isInstanceOf(SettingsException.class).hasMessageContaining("not valid YAML");
    }

    @Test
    void namesEnvironmentVariablesFromKeyPaths() {
        assertThat(SettingsLoader.variableName(List.of("bootstrapServers"))).isEqualTo("TALLY_BOOTSTRAP_SERVERS");
        assertThat(SettingsLoader.variableName(List.of("resources", "wallets", "fields", "stats.clicks", "maximum")))
                .isEqualTo("TALLY_RESOURCES_WALLETS_FIELDS_STATS_CLICKS_MAXIMUM");
    }

    @Test
    void passesKafkaClientPropertiesFromAFileAndTokensFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path properties = dir.resolve("kafka.properties");
        Files.writeString(properties, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        Settings settings = SettingsLoader.load(null, Map.of(
                "TALLY_KAFKA_PROPERTIES_FILE", properties.toString(),
                "TALLY_STANDBY_REPLICAS", "1",
                "TALLY_HTTP_WRITE_TOKEN", "write-token-0123456789"), Map.of());
        assertThat(settings.kafkaClient("kafka:9093")).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512").containsEntry("bootstrap.servers", "kafka:9093");
        assertThat(settings.standbyReplicas()).isEqualTo(1);
        assertThat(settings.http().writeToken()).isEqualTo("write-token-0123456789");
        assertThat(settings.http().readToken()).isEmpty();

        Files.writeString(properties, "bootstrap.servers=elsewhere:9092\n");
        assertThatThrownBy(() -> SettingsLoader.load(null, Map.of("TALLY_KAFKA_PROPERTIES_FILE", properties.toString()), Map.of()))
                .isInstanceOf(SettingsException.class).hasMessageContaining("kafkaPropertiesFile").hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> SettingsLoader.load(null, Map.of("TALLY_KAFKA_PROPERTIES_FILE", dir.resolve("none").toString()), Map.of()))
                .isInstanceOf(SettingsException.class).hasMessageContaining("kafkaPropertiesFile").hasMessageContaining("cannot read");
        assertThatThrownBy(() -> SettingsLoader.load(null, Map.of("TALLY_HTTP_READ_TOKEN", "short"), Map.of()))
                .isInstanceOf(SettingsException.class).hasMessageContaining("http.readToken");
    }

    @Test
    void aCommitIntervalLongerThanTheTransactionTimeoutIsRefusedUnderExactlyOnce(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("commitInterval", "1m")))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("commitInterval: must not be longer than the transaction timeout")
                .hasMessageContaining("10000 ms");
        assertThat(SettingsLoader.fromMap(Map.of("commitInterval", "1m", "processingGuarantee", "at_least_once"))
                .commitInterval()).isEqualTo(Duration.ofMinutes(1));

        Path properties = dir.resolve("kafka.properties");
        Files.writeString(properties, "producer.transaction.timeout.ms=900000\n");
        assertThat(SettingsLoader.fromMap(Map.of("commitInterval", "10m", "kafkaPropertiesFile", properties.toString()))
                .commitInterval()).isEqualTo(Duration.ofMinutes(10));
        Files.writeString(properties, "producer.transaction.timeout.ms=soon\n");
        assertThatThrownBy(() -> SettingsLoader.fromMap(Map.of("kafkaPropertiesFile", properties.toString())))
                .isInstanceOf(SettingsException.class).hasMessageContaining("producer.transaction.timeout.ms");
    }

    @Test
    void theServersThreadsAreJavalinsByDefaultAndBoundedWhenSet() {
        assertThat(SettingsLoader.fromMap(Map.of()).http().maxThreads()).isEqualTo(250);
        assertThat(SettingsLoader.load(null, Map.of("TALLY_HTTP_MAX_THREADS", "16"), Map.of()).http().maxThreads())
                .isEqualTo(16);
        assertThat(SettingsLoader.fromMap(Map.of("http", Map.of("maxThreads", 16))).http().withTokens("", "").maxThreads())
                .as("kept with the tokens").isEqualTo(16);
        assertThatThrownBy(() -> SettingsLoader.load(null, Map.of("TALLY_HTTP_MAX_THREADS", "4"), Map.of()))
                .isInstanceOf(SettingsException.class).hasMessageStartingWith("http.maxThreads: must be between 8 and 10000");
        assertThatThrownBy(() -> SettingsLoader.load(null, Map.of("TALLY_HTTP_MAX_THREADS", "many"), Map.of()))
                .isInstanceOf(SettingsException.class).hasMessageStartingWith("http.maxThreads: must be a whole number");
    }
}
