package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.Tally;
import io.tally.audit.Rebuilder;
import io.tally.audit.Verifier;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.stream.Json;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code tally rebuild} on a real broker: state corrupted behind Tally's back (a forged record in
 * the records store's changelog, restored on restart) is rebuilt from the audit log, and the
 * restarted instance serves the replayed value again.
 */
class RebuildIntegrationTest {
    private static final String APP = "tally-rebuild-it";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Settings settings;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), APP, 4)
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(30), 4096));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void rebuildsCorruptedStateFromTheAuditLog() throws Exception {
        try (Tally tally = Tally.start(settings)) {
            for (int i = 0; i < 20; i++) {
                assertThat(call(tally, "POST", "/v1/wallets/r" + i, "{\"balance\": \"" + i + "\"}").statusCode()).isEqualTo(200);
                assertThat(call(tally, "POST", "/v1/wallets/r" + i + "/balance/add", "{\"amount\": \"0.50\"}").statusCode())
                        .isEqualTo(200);
            }
            assertThat(call(tally, "DELETE", "/v1/wallets/r19", null).statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> new Rebuilder(settings, broker.bootstrapServers(), Duration.ofSeconds(30)).rebuild(n -> { }))
                    .hasMessageContaining("stop every Tally instance");
        }
        // A bug (simulated): the stored state of r3 goes wrong, and a restarted instance restores it.
        String forged = "{\"resource\":\"wallets\",\"id\":\"r3\",\"live\":true,\"fields\":{\"balance\":\"999.00\"},"
                + "\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\",\"changes\":2,\"version\":2}";
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers())) {
            String key = "wallets/r3";
            int partition = TallyTopics.partitionOf(key, 4);
            byte[] bytes = forged.getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(Rebuilder.changelog(APP, TallyTopics.RECORDS_STORE), partition, key, bytes)).get();
            producer.send(new ProducerRecord<>(TallyTopics.RECORDS, partition, key, bytes)).get();
        }
        try (Tally tally = Tally.start(settings)) {
            assertThat(balance(tally, "r3")).as("the corruption took effect").isEqualTo("999.00");
        }
        Verifier verifier = new Verifier(settings, broker.bootstrapServers(), Duration.ofSeconds(30));
        assertThat(verifier.verify(n -> { }).differences()).singleElement().asString().startsWith("wallets/r3:");

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            Rebuilder.Report report = new Rebuilder(settings, broker.bootstrapServers(), Duration.ofSeconds(30)).rebuild(n -> { });
            assertThat(report.transactions()).isEqualTo(41);
            assertThat(report.records()).isEqualTo(20);
        });

        try (Tally tally = Tally.start(settings)) {
            assertThat(balance(tally, "r3")).isEqualTo("3.50");
            assertThat(balance(tally, "r18")).isEqualTo("18.50");
            await().atMost(Duration.ofSeconds(60)).until(() -> call(tally, "GET", "/v1/wallets/r19", null).statusCode() == 404);
        }
        Verifier.Report after = verifier.verify(n -> { });
        assertThat(after.differences()).isEmpty();
    }

    private static String balance(Tally tally, String id) {
        String[] value = new String[1];
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
            HttpResponse<String> read = call(tally, "GET", "/v1/wallets/" + id, null);
            if (read.statusCode() != 200) {
                return false;
            }
            JsonNode record = Json.MAPPER.readTree(read.body());
            value[0] = record.get("fields").get("balance").asText();
            return true;
        });
        return value[0];
    }

    private static HttpResponse<String> call(Tally tally, String method, String path, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tally.httpPort() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
