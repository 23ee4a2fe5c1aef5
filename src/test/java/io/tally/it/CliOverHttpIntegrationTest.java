package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.tally.Tally;
import io.tally.cli.TallyCli;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.stream.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code tally} verbs with {@code --url}, against one real instance: what a person types gets
 * the service's answer on standard output, a refusal its reason on standard error, and the exit
 * code says which. The Kafka verbs (no {@code --url}) are checked against the same broker. (The list and history verbs are not covered: their endpoints are not merged yet.)
 */
class CliOverHttpIntegrationTest {
    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Tally tally;
    private static String url;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), "tally-cli-http-it", 4)
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(20), 65536));
        tally = Tally.start(settings);
        url = "http://127.0.0.1:" + tally.httpPort();
        await().atMost(Duration.ofSeconds(90)).until(() -> tally("get", "wallets", "nobody", "--url", url).code() == 1);
    }

    @AfterAll
    static void stop() {
        tally.close();
        broker.close();
    }

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return Json.MAPPER.readTree(out);
        }
    }

    /** Runs the verb as {@code tally} would, with its standard output and error captured. */
    private static Run tally(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TallyCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void loadOffersSyncWritesToTheRunningServiceAndEachAppliesOnce() throws Exception {
        Path results = dir.resolve("load.json");
        Run load = tally("load", "--url", url + "," + url, "--records", "3", "--rates", "40", "--seconds", "2",
                "--warm-up-seconds", "0", "--window-seconds", "1", "--json", results.toString());

        assertThat(load.code()).as(load.err()).isZero();
        JsonNode figures = Json.MAPPER.readTree(results.toFile());
        assertThat(figures.get("httpSyncWriteOk_40").asLong()).isEqualTo(80);
        assertThat(figures.get("httpSyncWriteErrors_40").size()).isZero();
        assertThat(figures.get("httpReadErrors").size()).isZero();
        assertThat(figures.get("httpSyncWriteP99Ms_40").asDouble()).isPositive();
        assertThat(figures.get("httpSyncWriteP99MsPer1s_40")).as("a p99 for each of the two seconds").hasSize(2);
        assertThat(figures.get("httpSyncWriteWaitedForConnection_40").asLong()).as("40/s never needs 1,024 connections")
                .isZero();
        // The instance runs in this JVM, the generator's: named twice, it must count once, as this JVM's CPU.
        double service = figures.get("httpSyncWriteServiceCpuUsPerWrite_40").asDouble();
        double generator = figures.get("httpSyncWriteGeneratorCpuUsPerWrite_40").asDouble();
        assertThat(generator).isPositive();
        assertThat(service).as("this JVM's CPU, read from its /metrics").isBetween(0.7 * generator, 1.4 * generator);
        assertThat(figures.get("httpSyncWriteServiceGcPauses_40").isIntegralNumber()).isTrue();
        assertThat(load.out()).contains("httpSyncWriteP50Ms_40");
        java.math.BigDecimal total = java.math.BigDecimal.ZERO;
        for (int i = 0; i < 3; i++) {
            Run record = tally("get", "wallets", "load-" + i, "--url", url);
            assertThat(record.code()).as(record.err()).isZero();
            total = total.add(new java.math.BigDecimal(record.json().get("fields").get("balance").asText()));
        }
        assertThat(total).as("80 adds of 0.01, each applied once").isEqualByComparingTo("0.80");

        Run again = tally("load", "--url", url, "--records", "3", "--rates", "10", "--seconds", "1",
                "--warm-up-seconds", "0");
        assertThat(again.code()).as("records left by an earlier run are written as they are: " + again.err()).isZero();
    }

    @Test
    void loadRefusesWhatItCannotUse() {
        assertThat(tally("load", "--url", "ftp://example", "--seconds", "1").code()).isEqualTo(2);
        assertThat(tally("load", "--url", url, "--rates", "0").code()).isEqualTo(2);
        assertThat(tally("load", "--url", url, "--connections", "0").code()).isEqualTo(2);
        assertThat(tally("load", "--url", url, "--window-seconds", "0").code()).isEqualTo(2);
        Run unknown = tally("load", "--url", url, "--resource", "nothing", "--records", "1", "--seconds", "1",
                "--warm-up-seconds", "0");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("404");
    }

    @Test
    void createAddAndGetShowTheExactBalanceAndATxIdAppliesOnce() throws Exception {
        Run created = tally("produce", "create", "wallets", "cli1", "balance", "10.10", "--url", url);
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(created.json().get("op").asText()).isEqualTo("create");

        Run added = tally("produce", "add", "wallets", "cli1", "balance", "0.15", "--tx-id", "cli-pay-1", "--url", url);
        assertThat(added.code()).as(added.err()).isZero();
        assertThat(added.json().get("txId").asText()).isEqualTo("cli-pay-1");
        assertThat(added.json().get("after").asText()).isEqualTo("10.25");

        // Sent again with the same key, the add applies once, however the service words its answer.
        tally("produce", "add", "wallets", "cli1", "balance", "0.15", "--tx-id", "cli-pay-1", "--url", url);

        Run read = tally("get", "wallets", "cli1", "--url", url);
        assertThat(read.code()).as(read.err()).isZero();
        assertThat(read.json().get("fields").get("balance").asText()).isEqualTo("10.25");
    }

    @Test
    void aRefusedWithdrawalExitsOneWithTheReasonOnStandardError() throws Exception {
        assertThat(tally("produce", "create", "wallets", "cli2", "balance", "5", "--url", url).code()).isZero();

        Run refused = tally("produce", "sub", "wallets", "cli2", "balance", "5.01", "--url", url);

        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).isEmpty();
        JsonNode error = Json.MAPPER.readTree(refused.err());
        assertThat(error.get("error").asText()).isEqualTo("BELOW_MINIMUM");
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(tally("get", "wallets", "cli2", "--url", url).json().get("fields").get("balance").asText())
                .isEqualTo("5.00");
    }

    @Test
    void anAsyncWriteIsAcceptedAndAppliedLater() throws Exception {
        Run accepted = tally("produce", "increment", "counters", "cli3", "stats.clicks", "--mode", "async", "--url", url);
        assertThat(accepted.code()).as(accepted.err()).isZero();
        assertThat(accepted.json().get("status").asText()).isEqualTo("accepted");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Run read = tally("get", "counters", "cli3", "--url", url);
            assertThat(read.code()).as(read.err()).isZero();
            assertThat(read.json().get("fields").get("stats.clicks").asText()).isEqualTo("1");
        });
    }

    @Test
    void analyticsOptionsBecomeTheRestQuery() throws Exception {
        assertThat(tally("produce", "create", "wallets", "cli4", "balance", "2.50", "--url", url).code()).isZero();
        assertThat(tally("produce", "add", "wallets", "cli4", "balance", "1.25", "--url", url).code()).isZero();

        Run today = tally("analytics", "wallets", "balance", "--period", "day", "--last", "1", "--id", "cli4", "--by-op",
                "--url", url);
        assertThat(today.code()).as(today.err()).isZero();
        JsonNode row = today.json().get("rows").get(0);
        assertThat(row.get("count").asLong()).isEqualTo(2);
        assertThat(row.get("sum").asText()).isEqualTo("3.75");
        assertThat(row.get("operations").get("add").get("sum").asText()).isEqualTo("1.25");

        Run byHour = tally("analytics", "wallets", "balance", "--period", "day", "--by", "hour", "--id", "cli4",
                "--no-gaps", "--url", url);
        assertThat(byHour.code()).as(byHour.err()).isZero();
        assertThat(byHour.json().get("period").asText()).isEqualTo("hour");
        long counted = 0;
        for (JsonNode hour : byHour.json().get("rows")) {
            counted += hour.get("count").asLong();
        }
        assertThat(counted).isEqualTo(2);

        Run top = tally("analytics", "wallets", "balance", "--period", "day", "--top", "50", "--rank-by", "sum", "--url", url);
        assertThat(top.code()).as(top.err()).isZero();
        List<String> ranked = new ArrayList<>();
        top.json().get("records").forEach(record -> ranked.add(record.get("id").asText()));
        assertThat(ranked).contains("cli4");

        Run unknown = tally("analytics", "wallets", "points", "--period", "day", "--last", "1", "--url", url);
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("UNKNOWN_FIELD");
    }

    @Test
    void anUnreachableServiceExitsThreeWithAClearMessage() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Run unreachable = tally("get", "wallets", "cli1", "--url", "http://127.0.0.1:" + closedPort);

        assertThat(unreachable.code()).isEqualTo(3);
        assertThat(unreachable.out()).isEmpty();
        assertThat(unreachable.err()).contains("cannot reach the service at http://127.0.0.1:" + closedPort)
                .contains("GET /v1/wallets/cli1");
    }

    @Test
    void theKafkaVerbsProduceAndReadDirectlyWithTheClusterClientSettings() throws Exception {
        String bootstrap = broker.bootstrapServers();
        assertThat(tally("produce", "create", "wallets", "kafka1", "balance", "3", "--bootstrap-servers", bootstrap).code())
                .isZero();
        assertThat(tally("produce", "add", "wallets", "kafka1", "balance", "0.25", "--bootstrap-servers", bootstrap).code())
                .isZero();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Run read = tally("get", "wallets", "kafka1", "--bootstrap-servers", bootstrap);
            assertThat(read.code()).isZero();
            assertThat(read.out()).contains("3.25");
        });

        // kafkaPropertiesFile reaches these clients too: a setting Kafka refuses is reported, nothing is sent.
        Path properties = dir.resolve("bad-client.properties");
        java.nio.file.Files.writeString(properties, "security.protocol=BOGUS\n");
        Path config = dir.resolve("bad-client.yaml");
        java.nio.file.Files.writeString(config, "kafkaPropertiesFile: " + properties + "\n");
        Run refused = tally("produce", "add", "wallets", "kafka1", "balance", "1", "--bootstrap-servers", bootstrap,
                "--config", config.toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("security.protocol");
        Run unread = tally("get", "wallets", "kafka1", "--bootstrap-servers", bootstrap, "--config", config.toString());
        assertThat(unread.code()).isNotZero();
        assertThat(unread.err()).contains("security.protocol");
    }

    @Test
    void badUsageExitsTwo() {
        assertThat(tally("produce", "add", "wallets", "cli5", "balance", "1", "--mode", "maybe", "--url", url).code())
                .isEqualTo(2);
        assertThat(tally("produce", "add", "wallets", "cli5", "balance", "--url", url).code()).isEqualTo(2);
        assertThat(tally("get", "wallets", "cli5", "--url", "ftp://127.0.0.1").code()).isEqualTo(2);
        assertThat(tally("produce", "add", "wallets", "cli5", "balance", "1", "--mode", "sync").code()).isEqualTo(2);
    }

    /** The service does not check tokens yet; a stand-in server shows what the CLI sends. */
    @Test
    void sendsTheTokenAsABearerAndEncodesPathSegments() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.put("authorization", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            seen.put("path", exchange.getRequestURI().getRawPath());
            byte[] body = "{\"id\":\"a b\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Run run = tally("get", "wallets", "a b", "--url", "http://127.0.0.1:" + server.getAddress().getPort() + "/",
                    "--token", "s3cret");
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(seen).containsEntry("authorization", "Bearer s3cret").containsEntry("path", "/v1/wallets/a%20b");
        } finally {
            server.stop(0);
        }
    }
}
