package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.Tally;
import io.tally.config.HttpSettings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.stream.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sync writes ask for their commit instead of waiting for the commit interval: with an interval
 * of ten minutes, far beyond the sync timeout, every sync write still answers with its committed
 * outcome, transfers included: the credit is a command of its own, read once the debit has
 * committed, and it asks for its own commit.
 */
class SyncCommitIntegrationTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Tally tally;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        // A transaction may stay open as long as the interval; the broker allows up to 15 minutes.
        Path kafkaProperties = Files.writeString(dir.resolve("kafka.properties"), "producer.transaction.timeout.ms=900000\n");
        tally = Tally.start(KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), "tally-sync-it", 4,
                        Map.of("commitInterval", "10m", "syncCommitInterval", "20ms",
                                "kafkaPropertiesFile", kafkaProperties.toString()))
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(20), 4096)));
        base = "http://127.0.0.1:" + tally.httpPort();
        await().atMost(Duration.ofSeconds(90)).until(() -> get("/health/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        tally.close();
        broker.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void syncWritesAnswerLongBeforeTheCommitInterval() throws Exception {
        assertThat(post("/v1/wallets/s1", "{\"balance\": \"10\"}").statusCode()).isEqualTo(200);
        assertThat(post("/v1/wallets/s2", "{}").statusCode()).isEqualTo(200);
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> added = post("/v1/wallets/s1/balance/add", "{\"amount\": \"1.25\"}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(added.body()).get("after").asText())
                    .isEqualTo(new java.math.BigDecimal("10").add(new java.math.BigDecimal("1.25").multiply(
                            java.math.BigDecimal.valueOf(i))).setScale(2).toPlainString());
        }

        HttpResponse<String> moved = post("/v1/transfers", "{\"from\": {\"resource\": \"wallets\", \"id\": \"s1\", "
                + "\"field\": \"balance\"}, \"to\": {\"resource\": \"wallets\", \"id\": \"s2\", \"field\": \"balance\"}, "
                + "\"amount\": \"4\"}");
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        JsonNode transfer = Json.MAPPER.readTree(moved.body());
        assertThat(transfer.get("state").asText()).isEqualTo("completed");
        assertThat(transfer.get("credit").get("after").asText()).isEqualTo("4.00");

        JsonNode target = Json.MAPPER.readTree(get("/v1/wallets/s2").body());
        assertThat(target.get("fields").get("balance").asText()).isEqualTo("4.00");
    }
}
