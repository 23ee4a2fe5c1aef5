package io.tally.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.jni.NativeLibrary;
import io.tally.config.Settings;
import io.tally.config.SettingsLoader;
import io.tally.kafka.TopicDeclaration;
import io.tally.kafka.TopicDeclarations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tally.helm.RenderedChart.PRODUCTION_VALUES;
import static io.tally.helm.RenderedChart.container;
import static io.tally.helm.RenderedChart.env;
import static io.tally.helm.RenderedChart.literalEnv;
import static io.tally.helm.RenderedChart.mountPath;
import static io.tally.helm.RenderedChart.texts;
import static io.tally.helm.RenderedChart.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Helm chart in helm/tally: it lints, it renders with the default and the production values,
 * and what it renders deploys Tally as the service expects (settings, state, identity, topics).
 */
class HelmChartTest {
    private static final Map<String, Object> STRIMZI = Map.of("topics", Map.of("mode", "strimzi",
            "strimzi", Map.of("cluster", "main")));

    @TempDir
    Path workDir;

    // --- lint -------------------------------------------------------------------------------

    @Test
    void lintFindsNoProblemWithTheDefaultValues() {
        assertLintPasses(RenderedChart.lint(workDir, null));
    }

    @Test
    void lintFindsNoProblemWithTheProductionValues() {
        assertLintPasses(RenderedChart.lint(workDir, PRODUCTION_VALUES));
    }

    @Test
    void lintFailsOnValuesTheChartRejects() {
        LintResult result = RenderedChart.lint(workDir, Map.of("topics", Map.of("mode", "kafka-connect")));

        assertThat(result.isFailed()).isTrue();
        assertThat(String.join("\n", result.getMessages())).contains("[ERROR]").contains("/topics/mode");
    }

    private static void assertLintPasses(LintResult result) {
        assertThat(result.getMessages()).noneMatch(message -> message.contains("[ERROR]") || message.contains("[WARNING]"));
        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
    }

    // --- what a release holds -----------------------------------------------------------------

    @Test
    void defaultReleaseHoldsTheStatefulSetItsServicesBudgetAndConfiguration() {
        RenderedChart chart = render(Map.of());

        assertThat(chart.kinds()).containsExactlyInAnyOrder("StatefulSet", "Service", "Service",
                "PodDisruptionBudget", "ConfigMap");
        assertThat(chart.one("StatefulSet").at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(chart.one("PodDisruptionBudget").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        JsonNode client = chart.service(false);
        assertThat(client.at("/spec/ports/0/port").asInt()).isEqualTo(8080);
        assertThat(client.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        assertThat(client.at("/spec/selector")).isEqualTo(chart.one("StatefulSet").at("/spec/template/metadata/labels"));
    }

    @Test
    void productionValuesRunThreeInstancesWithStandbysABudgetOfTwoAndMonitoring() {
        RenderedChart chart = render(PRODUCTION_VALUES, Map.of());

        assertThat(chart.one("StatefulSet").at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(literalEnv(chart.tallyContainer())).containsEntry("TALLY_STANDBY_REPLICAS", "1");
        JsonNode budget = chart.one("PodDisruptionBudget").path("spec");
        assertThat(budget.path("minAvailable").asInt()).isEqualTo(2);
        assertThat(budget.has("maxUnavailable")).isFalse();
        JsonNode resources = chart.tallyContainer().path("resources");
        assertThat(resources.at("/requests/cpu").asText()).isNotEmpty();
        assertThat(resources.at("/limits/memory").asText()).isEqualTo(resources.at("/requests/memory").asText());
        assertThat(chart.ofKind("ServiceMonitor")).hasSize(1);
    }

    @Test
    void serviceMonitorScrapesMetricsOfEveryInstanceOnlyWhenEnabled() {
        assertThat(render(Map.of()).ofKind("ServiceMonitor")).isEmpty();

        RenderedChart chart = render(Map.of("metrics", Map.of("serviceMonitor", Map.of("enabled", true))));
        JsonNode monitor = chart.one("ServiceMonitor");
        assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        JsonNode endpoint = monitor.at("/spec/endpoints/0");
        assertThat(endpoint.path("port").asText()).isEqualTo("http");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        assertThat(endpoint.has("authorization")).isFalse();
        // Through the headless Service: its endpoints include instances that are rebalancing.
        Map<String, String> selector = texts(monitor.at("/spec/selector/matchLabels"));
        assertThat(texts(chart.service(true).at("/metadata/labels"))).containsAllEntriesOf(selector);
        assertThat(texts(chart.service(false).at("/metadata/labels"))).doesNotContainEntry("tally.io/service", "headless");
    }

    // --- identity, probes, shutdown -------------------------------------------------------------

    @Test
    void eachPodAdvertisesItsOwnAddressInTheHeadlessService() {
        RenderedChart chart = render(Map.of());
        JsonNode headless = chart.service(true);
        String headlessName = headless.at("/metadata/name").asText();

        assertThat(headless.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
        assertThat(chart.one("StatefulSet").at("/spec/serviceName").asText()).isEqualTo(headlessName);
        Map<String, JsonNode> env = env(chart.tallyContainer());
        assertThat(env.get("TALLY_HTTP_ADVERTISED_HOST").path("value").asText())
                .isEqualTo("$(POD_NAME)." + headlessName + ".$(POD_NAMESPACE).svc.cluster.local");
        assertThat(env.get("POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.name");
        assertThat(env.get("POD_NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.namespace");
        // Kubernetes expands $(VAR) only from variables declared before.
        List<String> order = new ArrayList<>(env.keySet());
        assertThat(order.indexOf("POD_NAME")).isLessThan(order.indexOf("TALLY_HTTP_ADVERTISED_HOST"));
        assertThat(order.indexOf("POD_NAMESPACE")).isLessThan(order.indexOf("TALLY_HTTP_ADVERTISED_HOST"));
    }

    @Test
    void probesWatchHealthOnTheRestPortAndOutlastARebalance() {
        JsonNode tally = render(Map.of("settings", Map.of("http", Map.of("port", 9090)))).tallyContainer();

        assertThat(tally.at("/ports/0/name").asText()).isEqualTo("http");
        assertThat(tally.at("/ports/0/containerPort").asInt()).isEqualTo(9090);
        assertThat(literalEnv(tally)).containsEntry("TALLY_HTTP_PORT", "9090");
        assertThat(tally.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(tally.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(tally.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(tally.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("http");
        }
        JsonNode liveness = tally.path("livenessProbe");
        assertThat(liveness.path("failureThreshold").asInt() * liveness.path("periodSeconds").asInt())
                .as("seconds of failed liveness checks before a restart").isGreaterThanOrEqualTo(60);
    }

    @Test
    void shutdownGraceOutlastsTheKafkaStreamsClose() {
        // Tally closes Kafka Streams with a 60 s timeout; SIGKILL before that loses a clean close.
        JsonNode pod = render(Map.of()).one("StatefulSet").at("/spec/template/spec");

        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThan(60);
    }

    // --- state ----------------------------------------------------------------------------------

    @Test
    void stateDirectoryLivesOnEachPodsPersistentVolume() {
        RenderedChart chart = render(Map.of("persistence", Map.of("size", "20Gi", "storageClass", "fast-ssd")));
        JsonNode claim = chart.one("StatefulSet").at("/spec/volumeClaimTemplates/0");
        String mountPath = mountPath(chart.tallyContainer(), claim.at("/metadata/name").asText());

        assertThat(claim.at("/spec/resources/requests/storage").asText()).isEqualTo("20Gi");
        assertThat(claim.at("/spec/storageClassName").asText()).isEqualTo("fast-ssd");
        assertThat(claim.at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteOnce");
        assertThat(literalEnv(chart.tallyContainer()).get("TALLY_STATE_DIR")).startsWith(mountPath + "/");
    }

    @Test
    void withoutPersistenceTheStateDirectoryIsAnEmptyDir() {
        RenderedChart chart = render(Map.of("persistence", Map.of("enabled", false)));
        JsonNode statefulSet = chart.one("StatefulSet");

        assertThat(statefulSet.at("/spec/volumeClaimTemplates").isMissingNode()).isTrue();
        assertThat(volume(statefulSet, "state").has("emptyDir")).isTrue();
        assertThat(literalEnv(chart.tallyContainer()).get("TALLY_STATE_DIR"))
                .startsWith(mountPath(chart.tallyContainer(), "state") + "/");
    }

    // --- settings -------------------------------------------------------------------------------

    @Test
    void everySettingValueBecomesItsEnvironmentVariable() {
        Map<String, Object> custom = Map.of("settings", Map.of("commitInterval", "250ms", "streamThreads", 4,
                "http", Map.of("syncTimeout", "3s"), "analytics", Map.of("retention", Map.of("hour", "7d"))));
        for (List<Path> files : List.of(List.<Path>of(), List.of(PRODUCTION_VALUES))) {
            Map<String, String> env = literalEnv(render(files, custom).tallyContainer());
            JsonNode settings = mergedValues(files, custom).path("settings");

            Map<List<String>, String> expected = scalars(settings, List.of());
            expected.keySet().removeIf(path -> path.get(0).equals("resources"));
            assertThat(expected).containsEntry(List.of("commitInterval"), "250ms")
                    .containsEntry(List.of("analytics", "retention", "hour"), "7d");
            expected.forEach((path, value) ->
                    assertThat(env).as("%s", String.join(".", path)).containsEntry(SettingsLoader.variableName(path), value));
        }
    }

    @Test
    void aNullSettingIsLeftToTheServicesDefault() {
        Map<String, Object> unset = new LinkedHashMap<>();
        unset.put("commitInterval", null);

        assertThat(literalEnv(render(Map.of("settings", unset)).tallyContainer())).doesNotContainKey("TALLY_COMMIT_INTERVAL");
    }

    @Test
    void largeWholeNumbersReachTheServiceAsWritten() {
        // Helm reads YAML numbers as float64, which print as 1e+06 unless the chart takes care.
        JsonNode tally = render(Map.of("settings", Map.of("maxPendingPerRecord", 1_000_000, "maxCommandBytes", 16_777_216)))
                .tallyContainer();

        assertThat(literalEnv(tally)).containsEntry("TALLY_MAX_PENDING_PER_RECORD", "1000000")
                .containsEntry("TALLY_MAX_COMMAND_BYTES", "16777216");
        assertThat(literalEnv(render(Map.of()).tallyContainer())).containsEntry("TALLY_ROCKSDB_MEMORY_BYTES", "268435456");
    }

    @Test
    void chartDefaultsAreTallysOwnDefaults() {
        Map<List<String>, String> tally = scalars(tallyDefaults(), List.of());
        Map<List<String>, String> chart = scalars(RenderedChart.readYaml(RenderedChart.CHART.resolve("values.yaml"))
                .path("settings"), List.of());

        chart.forEach((path, value) -> {
            if (tally.containsKey(path) && !path.equals(List.of("bootstrapServers"))) {
                assertThat(value).as("settings.%s", String.join(".", path)).isEqualTo(tally.get(path));
            }
        });
        Map<List<String>, String> tallyResources = new LinkedHashMap<>();
        tally.forEach((path, value) -> {
            if (path.get(0).equals("resources")) {
                tallyResources.put(path, value);
            }
        });
        assertThat(chart).containsAllEntriesOf(tallyResources);
    }

    @Test
    void renderedConfigurationLoadsAsValidSettings() {
        for (List<Path> files : List.of(List.<Path>of(), List.of(PRODUCTION_VALUES))) {
            RenderedChart chart = render(files, Map.of());
            Map<String, String> env = literalEnv(chart.tallyContainer());
            // That file comes from a Secret mounted in the pod; it does not exist here.
            env.remove("TALLY_KAFKA_PROPERTIES_FILE");

            Settings settings = SettingsLoader.load(writeConfigFile(chart), env, Map.of());

            assertThat(settings.bootstrapServers()).isEqualTo(env.get("TALLY_BOOTSTRAP_SERVERS"));
            assertThat(settings.stateDir()).isEqualTo(Path.of(env.get("TALLY_STATE_DIR")));
            assertThat(settings.applyTopics()).isFalse();
            assertThat(settings.http().advertisedHost()).startsWith("$(POD_NAME).");
            assertThat(settings.resources()).containsOnlyKeys("wallets", "counters");
            assertThat(settings.resources().get("wallets").fields().get("balance").minimum()).isEqualByComparingTo("0");
        }
    }

    @Test
    void configurationFileIsTheMountedConfigMapNamedByTallyConfig() {
        RenderedChart chart = render(Map.of());
        JsonNode statefulSet = chart.one("StatefulSet");
        JsonNode configMap = chart.one("ConfigMap");

        assertThat(volume(statefulSet, "config").at("/configMap/name").asText())
                .isEqualTo(configMap.at("/metadata/name").asText());
        String file = mountPath(chart.tallyContainer(), "config") + "/" + configMap.path("data").fieldNames().next();
        assertThat(literalEnv(chart.tallyContainer())).containsEntry("TALLY_CONFIG", file);
    }

    @Test
    void everyVariableTheChartSetsNamesASettingOrOneBeingAdded() {
        Set<String> known = new HashSet<>();
        scalars(tallyDefaults(), List.of()).keySet().forEach(path -> known.add(SettingsLoader.variableName(path)));
        known.add("TALLY_CONFIG");

        Set<String> unknown = new HashSet<>();
        for (String name : env(render(PRODUCTION_VALUES, Map.of()).tallyContainer()).keySet()) {
            if (name.startsWith("TALLY_") && !known.contains(name)) {
                unknown.add(name);
            }
        }
        assertThat(unknown).as("variables that name no setting").isEmpty();
    }

    @Test
    void changedResourcesRollThePods() {
        String before = configChecksum(render(Map.of()));
        Map<String, Object> points = Map.of("createOnFirstUse", true, "fields", Map.of("score", Map.of()));
        String after = configChecksum(render(Map.of("settings", Map.of("resources", Map.of("points", points)))));

        assertThat(after).isNotBlank().isNotEqualTo(before);
    }

    @Test
    void jvmOptionsComeFromValues() {
        assertThat(literalEnv(render(Map.of()).tallyContainer()))
                .containsEntry("JAVA_OPTS", "-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError");
        assertThat(literalEnv(render(Map.of("jvm", Map.of("heapSize", "2g", "extraOptions", "-XX:+UseZGC")))
                .tallyContainer())).containsEntry("JAVA_OPTS", "-Xms2g -Xmx2g -XX:+UseZGC");
    }

    @Test
    void theChartNeverStartsTheEmbeddedBroker() {
        assertThatThrownBy(() -> render(Map.of("settings", Map.of("bootstrapServers", ""))))
                .hasMessageContaining("bootstrapServers");
    }

    // --- secrets --------------------------------------------------------------------------------

    @Test
    void productionValuesTakeTokensAndKafkaPropertiesFromSecrets() {
        RenderedChart chart = renderWithHooks(List.of(PRODUCTION_VALUES), Map.of());
        Map<String, JsonNode> env = env(chart.tallyContainer());

        assertThat(env.get("TALLY_HTTP_WRITE_TOKEN").at("/valueFrom/secretKeyRef")).isEqualTo(
                RenderedChart.YAML.valueToTree(Map.of("name", "tally-api-tokens", "key", "write-token")));
        assertThat(env.get("TALLY_HTTP_READ_TOKEN").at("/valueFrom/secretKeyRef")).isEqualTo(
                RenderedChart.YAML.valueToTree(Map.of("name", "tally-api-tokens", "key", "read-token")));
        JsonNode credentials = chart.one("ServiceMonitor").at("/spec/endpoints/0/authorization/credentials");
        assertThat(texts(credentials)).containsEntry("name", "tally-api-tokens").containsEntry("key", "read-token");
        // The service and the topics Job both read the Kafka client properties from the Secret.
        for (JsonNode workload : List.of(chart.one("StatefulSet"), chart.one("Job"))) {
            JsonNode main = workload.at("/spec/template/spec/containers/0");
            assertThat(volume(workload, "kafka-properties").at("/secret/secretName").asText()).isEqualTo("tally-kafka-client");
            assertThat(literalEnv(main)).containsEntry("TALLY_KAFKA_PROPERTIES_FILE",
                    mountPath(main, "kafka-properties") + "/client.properties");
        }
    }

    @Test
    void withoutSecretsNoTokenOrPropertiesFileIsSet() {
        Map<String, JsonNode> env = env(render(Map.of()).tallyContainer());

        assertThat(env).doesNotContainKeys("TALLY_HTTP_WRITE_TOKEN", "TALLY_HTTP_READ_TOKEN", "TALLY_KAFKA_PROPERTIES_FILE");
    }

    // --- topics ---------------------------------------------------------------------------------

    @Test
    void hookJobAppliesTheTopicsBeforeInstallAndUpgrade() {
        RenderedChart chart = renderWithHooks(List.of(), Map.of("settings", Map.of("topicPartitions", 24)));
        JsonNode job = chart.one("Job");
        JsonNode topics = container(job, "topics");

        assertThat(job.at("/metadata/annotations/" + escape(RenderedChart.REVEALED_HOOK)).asText())
                .isEqualTo("pre-install,pre-upgrade");
        assertThat(topics.path("args")).containsExactly(text("topics"), text("apply"));
        assertThat(topics.path("image")).isEqualTo(chart.tallyContainer().path("image"));
        assertThat(literalEnv(topics)).containsEntry("TALLY_BOOTSTRAP_SERVERS", "kafka:9092")
                .containsEntry("TALLY_TOPIC_PARTITIONS", "24");
        // Its pod is no instance: neither a Service nor the disruption budget may count it.
        Map<String, String> podLabels = texts(job.at("/spec/template/metadata/labels"));
        for (JsonNode selector : List.of(chart.service(false).at("/spec/selector"), chart.service(true).at("/spec/selector"),
                chart.one("PodDisruptionBudget").at("/spec/selector/matchLabels"))) {
            assertThat(podLabels.entrySet().containsAll(texts(selector).entrySet())).as("%s selects %s", selector, podLabels)
                    .isFalse();
        }
        // It runs before the release's ConfigMap exists, so it must not need it.
        assertThat(job.at("/spec/template/spec/volumes").findValues("configMap")).isEmpty();
        assertThat(literalEnv(chart.tallyContainer())).containsEntry("TALLY_APPLY_TOPICS", "false");
        assertThat(chart.ofKind("KafkaTopic")).isEmpty();
    }

    @Test
    void theJobAppliesTheDeclarationsOfTopicsDirectory() {
        // `topics apply` reads the jar's copy of topics/, packed by the same build as the image.
        assertThat(TopicDeclarations.fromClasspath()).containsExactlyInAnyOrderElementsOf(declarations());
    }

    @Test
    void strimziTopicsAreTheDeclarationsOfTopicsDirectory() {
        RenderedChart chart = renderWithHooks(List.of(), STRIMZI);

        assertThat(chart.ofKind("Job")).isEmpty();
        assertThat(literalEnv(chart.tallyContainer())).containsEntry("TALLY_APPLY_TOPICS", "false");
        assertThat(kafkaTopics(chart)).containsExactlyInAnyOrderElementsOf(declarations());
        for (JsonNode topic : chart.ofKind("KafkaTopic")) {
            assertThat(topic.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1");
            assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("main");
            assertThat(topic.at("/metadata/namespace").asText()).isEqualTo(RenderedChart.NAMESPACE);
            // Uninstalling must not delete the audit log.
            assertThat(topic.at("/metadata/annotations/helm.sh~1resource-policy").asText()).isEqualTo("keep");
        }
    }

    @Test
    void strimziTopicsTakeThePartitionAndReplicationOverrides() {
        RenderedChart chart = render(Map.of("settings", Map.of("topicPartitions", 24), "topics", Map.of("mode", "strimzi",
                "strimzi", Map.of("cluster", "main", "namespace", "kafka", "replicationFactor", 1))));

        // As `tally topics apply` fits them to a one-broker cluster: replicas and min.insync.replicas capped.
        assertThat(kafkaTopics(chart)).containsExactlyInAnyOrderElementsOf(
                declarations().stream().map(topic -> topic.fittedTo(1).withPartitions(24)).toList());
        assertThat(chart.ofKind("KafkaTopic")).allMatch(topic -> topic.at("/metadata/namespace").asText().equals("kafka"));
    }

    @Test
    void strimziModeRefusesToRenderWithoutTheDeclarationsOrACluster() throws IOException {
        assertThatThrownBy(() -> render(Map.of("topics", Map.of("mode", "strimzi"))))
                .hasMessageContaining("topics.strimzi.cluster");

        Path chart = RenderedChart.copyOfChart(RenderedChart.newDirectory(workDir, "unbuilt"));
        for (Path declaration : RenderedChart.listFiles(chart.resolve("topics"))) {
            Files.delete(declaration);
        }
        assertThatThrownBy(() -> new com.marcnuri.helm.Helm(chart).template().withKubeVersion("1.31.0")
                .withValuesFile(RenderedChart.writeYaml(workDir.resolve("strimzi.yaml"), STRIMZI)).call())
                .hasMessageContaining("mvn -B -ntp package");
    }

    @Test
    void instancesApplyTopicsThemselvesOnlyInServiceMode() {
        for (String mode : List.of("service", "none")) {
            RenderedChart chart = renderWithHooks(List.of(), Map.of("topics", Map.of("mode", mode)));

            assertThat(chart.ofKind("Job")).as(mode).isEmpty();
            assertThat(chart.ofKind("KafkaTopic")).as(mode).isEmpty();
            assertThat(literalEnv(chart.tallyContainer())).as(mode)
                    .containsEntry("TALLY_APPLY_TOPICS", String.valueOf(mode.equals("service")));
        }
    }

    @Test
    void chartsCopyOfTheDeclarationsIsTheBuildsCopyOfTopicsDirectory() {
        List<Path> sources = RenderedChart.listFiles(Path.of("topics")).stream()
                .filter(file -> file.getFileName().toString().endsWith(".yaml")).toList();
        List<Path> copies = RenderedChart.listFiles(RenderedChart.CHART.resolve("topics"));

        assertThat(copies.stream().map(Path::getFileName).toList())
                .isEqualTo(sources.stream().map(Path::getFileName).toList());
        for (Path source : sources) {
            assertThat(RenderedChart.read(RenderedChart.CHART.resolve("topics").resolve(source.getFileName())))
                    .as("%s", source).isEqualTo(RenderedChart.read(source));
        }
    }

    // --- image ----------------------------------------------------------------------------------

    @Test
    void defaultImageIsWhatTheDockerfileBuilds() {
        String dockerfile = RenderedChart.read(Path.of("Dockerfile"));
        String appVersion = RenderedChart.readYaml(RenderedChart.CHART.resolve("Chart.yaml")).path("appVersion").asText();
        RenderedChart chart = render(Map.of());
        JsonNode pod = chart.one("StatefulSet").at("/spec/template/spec");

        assertThat(chart.tallyContainer().path("image").asText()).isEqualTo("tally:" + appVersion);
        assertThat(dockerfile).contains("docker build -t tally:" + appVersion + " .")
                .contains("FROM eclipse-temurin:17-jre")
                .contains("COPY target/tally.jar /app/tally.jar")
                .contains("exec java $JAVA_OPTS -jar /app/tally.jar");
        assertThat(firstGroup(dockerfile, "(?m)^USER (\\d+)")).isEqualTo(pod.at("/securityContext/runAsUser").asText());
        assertThat(firstGroup(dockerfile, "(?m)^EXPOSE (\\d+)"))
                .isEqualTo(chart.tallyContainer().at("/ports/0/containerPort").asText());
        assertThat(render(Map.of("image", Map.of("repository", "registry.example.com/tally", "tag", "0.2.0")))
                .tallyContainer().path("image").asText()).isEqualTo("registry.example.com/tally:0.2.0");
    }

    // --- other ------------------------------------------------------------------------------------

    @Test
    void readmeListsEveryChartValue() {
        String readme = RenderedChart.read(Path.of("README.md"));
        String deploy = readme.substring(readme.indexOf("## Deploy on Kubernetes"), readme.indexOf("## Design notes"));
        JsonNode values = RenderedChart.readYaml(RenderedChart.CHART.resolve("values.yaml"));

        values.fieldNames().forEachRemaining(key -> assertThat(deploy).as(key).contains("`" + key));
        scalars(values.path("settings"), List.of()).keySet().stream()
                .filter(path -> !path.get(0).equals("resources"))
                .map(path -> path.size() == 3 && path.get(1).equals("retention")
                        ? "`settings.analytics.retention.<hour" : "`settings." + String.join(".", path) + "`")
                .forEach(row -> assertThat(deploy).contains(row));
    }

    @Test
    void disruptionBudgetTakesOneLimitNotBoth() {
        assertThatThrownBy(() -> render(Map.of("podDisruptionBudget", Map.of("minAvailable", 2))))
                .hasMessageContaining("minAvailable or maxUnavailable");
    }

    @Test
    void helmRunsFromTheNativeLibraryOnTheClasspath() {
        // Found on the classpath, helm-java never falls back to downloading one; surefire forbids it too.
        assertThat(NativeLibrary.serviceProviderLibrary(null)).isNotNull();
        assertThat(System.getProperty("com.marcnuri.jkube-helm.skipRemoteJar")).isEqualTo("true");
    }

    // --- helpers ----------------------------------------------------------------------------------

    private RenderedChart render(Map<String, ?> values) {
        return RenderedChart.render(workDir, List.of(), values);
    }

    private RenderedChart render(Path valuesFile, Map<String, ?> values) {
        return RenderedChart.render(workDir, List.of(valuesFile), values);
    }

    private RenderedChart render(List<Path> valuesFiles, Map<String, ?> values) {
        return RenderedChart.render(workDir, valuesFiles, values);
    }

    private RenderedChart renderWithHooks(List<Path> valuesFiles, Map<String, ?> values) {
        return RenderedChart.renderWithHooks(workDir, valuesFiles, values);
    }

    /** The chart's values as Helm merges them: values.yaml, then each file, then {@code values}. */
    private static JsonNode mergedValues(List<Path> files, Map<String, ?> values) {
        ObjectNode merged = (ObjectNode) RenderedChart.readYaml(RenderedChart.CHART.resolve("values.yaml"));
        files.forEach(file -> RenderedChart.mergeValues(merged, RenderedChart.readYaml(file)));
        RenderedChart.mergeValues(merged, RenderedChart.YAML.valueToTree(values));
        return merged;
    }

    private static JsonNode tallyDefaults() {
        try (InputStream in = HelmChartTest.class.getResourceAsStream("/tally-defaults.yaml")) {
            return RenderedChart.YAML.readTree(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every scalar under {@code node} by key path, as text; nulls are left out. */
    private static Map<List<String>, String> scalars(JsonNode node, List<String> path) {
        Map<List<String>, String> scalars = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> {
            List<String> at = new ArrayList<>(path);
            at.add(entry.getKey());
            if (entry.getValue().isObject()) {
                scalars.putAll(scalars(entry.getValue(), at));
            } else if (!entry.getValue().isNull()) {
                scalars.put(List.copyOf(at), entry.getValue().asText());
            }
        });
        return scalars;
    }

    private static List<TopicDeclaration> declarations() {
        return TopicDeclarations.fromDirectory(Path.of("topics"));
    }

    /** The KafkaTopic resources as declarations, to compare with topics/. */
    private static List<TopicDeclaration> kafkaTopics(RenderedChart chart) {
        Map<String, TopicDeclaration> byName = new TreeMap<>();
        declarations().forEach(declared -> byName.put(declared.name(), declared));
        return chart.ofKind("KafkaTopic").stream().map(topic -> {
            String name = topic.at("/metadata/name").asText();
            String description = byName.containsKey(name) ? byName.get(name).description() : "";
            return new TopicDeclaration(name, description, topic.at("/spec/partitions").asInt(),
                    topic.at("/spec/replicas").asInt(), texts(topic.at("/spec/config")));
        }).toList();
    }

    private Path writeConfigFile(RenderedChart chart) {
        try {
            Path file = RenderedChart.newDirectory(workDir, "config").resolve("tally.yaml");
            Files.writeString(file, chart.one("ConfigMap").at("/data/tally.yaml").asText());
            return file;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String configChecksum(RenderedChart chart) {
        return chart.one("StatefulSet").at("/spec/template/metadata/annotations/checksum~1config").asText();
    }

    private static JsonNode text(String value) {
        return RenderedChart.YAML.getNodeFactory().textNode(value);
    }

    /** A JSON pointer segment for a key that holds '/'. */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String firstGroup(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as("%s in the Dockerfile", regex).isTrue();
        return matcher.group(1);
    }
}
