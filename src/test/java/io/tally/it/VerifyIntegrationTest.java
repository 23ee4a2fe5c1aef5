package io.tally.it;

import io.tally.Tally;
import io.tally.audit.Verifier;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tally verify} on a real broker: after a random workload (late events, repeated txIds,
 * refusals, deletes) it finds no difference; a record forged onto tally.records is found.
 */
class VerifyIntegrationTest {
    private static final int COMMANDS = 3000;

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Tally tally;
    private static Settings settings;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), "tally-verify-it", 4);
        tally = Tally.start(settings.withHttp(new HttpSettings(false, "127.0.0.1", 0, "", Duration.ofSeconds(5), 4096)));
    }

    @AfterAll
    static void stop() {
        tally.close();
        broker.close();
    }

    @Test
    void findsNoDifferenceAfterAWorkloadAndFindsAPlantedOne() {
        Random random = new Random(7);
        Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers())) {
            for (int i = 0; i < COMMANDS; i++) {
                String id = "v" + random.nextInt(60);
                String json = switch (random.nextInt(10)) {
                    case 0 -> "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"" + id + "\",\"values\":{\"balance\":\"5\"}}";
                    case 1 -> "{\"op\":\"delete\",\"resource\":\"wallets\",\"id\":\"" + id + "\"}";
                    case 2 -> "{\"op\":\"sub\",\"resource\":\"wallets\",\"id\":\"" + id + "\",\"field\":\"balance\",\"amount\":\""
                            + random.nextInt(40) + "\",\"txId\":\"t" + random.nextInt(200) + "\"}";
                    case 3 -> "{\"op\":\"increment\",\"resource\":\"counters\",\"id\":\"" + id + "\",\"field\":\"stats.clicks\","
                            + "\"at\":\"" + now.minus(Duration.ofHours(random.nextInt(24 * 40))) + "\"}";
                    case 4 -> "not json at all";
                    default -> "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"" + id + "\",\"field\":\"balance\",\"amount\":\""
                            + random.nextInt(100) + "." + random.nextInt(100) + "\",\"at\":\""
                            + now.minus(Duration.ofMinutes(random.nextInt(60 * 24 * 400))) + "\"}";
                };
                producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, (json.contains("counters") ? "counters/" : "wallets/") + id,
                        json.getBytes(StandardCharsets.UTF_8)));
            }
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> KafkaFixture.consumedAll(broker.bootstrapServers(), "tally-verify-it"));

        Verifier verifier = new Verifier(settings, broker.bootstrapServers(), Duration.ofSeconds(30));
        Verifier.Report clean = verifier.verify(done -> { });
        assertThat(clean.differences()).isEmpty();
        assertThat(clean.clean()).isTrue();
        assertThat(clean.transactions()).isGreaterThan(COMMANDS / 3);
        assertThat(clean.analyticsEntries()).isGreaterThan(100);

        String forged = "{\"resource\":\"wallets\",\"id\":\"v1\",\"live\":true,\"fields\":{\"balance\":\"1000000.00\"},"
                + "\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\",\"changes\":1,\"version\":1}";
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(TallyTopics.RECORDS, "wallets/v1", forged.getBytes(StandardCharsets.UTF_8)));
        }
        Verifier.Report planted = verifier.verify(done -> { });
        assertThat(planted.clean()).isFalse();
        assertThat(planted.differenceCount()).isEqualTo(1);
        assertThat(planted.differences().get(0)).startsWith("wallets/v1:").contains("1000000.00");
    }
}
