package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.Tally;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.stream.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three instances of one deployment on a real broker: any instance answers any record (forwarded
 * to its owner) and any analytics query (merged across instances) the same; after one instance
 * stops and the group rebalances, every record is still served with its exact value.
 */
class ClusterIntegrationTest {
    private static final int PARTITIONS = 6;
    private static final int WALLETS = 12;
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static final List<Tally> instances = new ArrayList<>();

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        for (int i = 0; i < 3; i++) {
            Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state-" + i), "tally-cluster-it",
                    PARTITIONS).withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(30), 65536));
            instances.add(Tally.start(settings));
        }
    }

    @AfterAll
    static void stop() {
        instances.forEach(Tally::close);
        broker.close();
    }

    private static HttpResponse<String> call(Tally instance, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.httpPort() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyInstanceAnswersEveryRecordAndQueryTheSameAndSurvivesOneLeaving() throws Exception {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            for (Tally instance : instances) {
                if (call(instance, "GET", "/health/ready", null).statusCode() != 200) {
                    return false;
                }
            }
            return instances.get(0).streams().metadataForAllStreamsClients().stream()
                    .filter(m -> !m.topicPartitions().isEmpty()).count() == 3;
        });
        Map<String, BigDecimal> expected = new LinkedHashMap<>();
        for (int i = 0; i < WALLETS; i++) {
            Tally writer = instances.get(i % 3);
            HttpResponse<String> created = call(writer, "POST", "/v1/wallets/c" + i, "{\"balance\": \"" + i + ".25\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            HttpResponse<String> added = call(writer, "POST", "/v1/wallets/c" + i + "/balance/add", "{\"amount\": \"0.50\"}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
            expected.put("c" + i, new BigDecimal(i + ".75"));
        }

        assertEveryInstanceServes(instances, expected);
        List<String> answers = new ArrayList<>();
        for (Tally instance : instances) {
            answers.add(answered(instance, "/v1/analytics/wallets/balance?period=day&last=2&breakdown=operations"));
            answers.add(answered(instance, "/v1/analytics/wallets/balance?period=hour&last=3&id=c7"));
            answers.add(answered(instance, "/v1/analytics/wallets/balance/top?period=day&by=sum&limit=3"));
            answers.add(answered(instance, "/v1/wallets?prefix=c&limit=5"));
            answers.add(answered(instance, "/v1/wallets?prefix=c&limit=5&cursor=c11"));
            answers.add(answered(instance, "/v1/wallets/c7/balance/transactions?limit=10"));
        }
        int perInstance = answers.size() / 3;
        for (int i = perInstance; i < answers.size(); i++) {
            assertThat(answers.get(i)).isEqualTo(answers.get(i % perInstance));
        }
        assertThat(Json.MAPPER.readTree(answers.get(3)).get("ids")).extracting(JsonNode::asText)
                .containsExactly("c0", "c1", "c10", "c11", "c2");
        assertThat(Json.MAPPER.readTree(answers.get(4)).get("ids")).extracting(JsonNode::asText)
                .containsExactly("c2", "c3", "c4", "c5", "c6");
        assertThat(Json.MAPPER.readTree(answers.get(5)).get("transactions")).extracting(t -> t.get("sequence").asLong())
                .containsExactly(1L, 2L);
        JsonNode day = Json.MAPPER.readTree(answers.get(0)).get("rows").get(1);
        assertThat(day.get("count").asLong()).isEqualTo(2L * WALLETS);
        assertThat(day.get("records").asLong()).isEqualTo(WALLETS);
        assertThat(new BigDecimal(day.get("sum").asText()))
                .isEqualByComparingTo(expected.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(Json.MAPPER.readTree(answers.get(2)).get("records").get(0).get("id").asText()).isEqualTo("c11");

        // Read-your-writes: an async write's token makes a read on any instance wait until it applied.
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> clicked = call(instances.get(i % 3), "POST", "/v1/counters/ryw" + (i % 4) + "/stats.clicks/increment", null);
            assertThat(clicked.statusCode()).as(clicked.body()).isEqualTo(202);
            String token = clicked.headers().firstValue("Tally-Consistency-Token").orElseThrow();
            HttpResponse<String> read = call(instances.get((i + 1) % 3), "GET", "/v1/counters/ryw" + (i % 4) + "?consistency=" + token, null);
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(read.body()).get("fields").get("stats.clicks").asText())
                    .as("the read sees the write it was given the token of").isEqualTo(String.valueOf(i / 4 + 1));
        }
        int partition = io.tally.stream.TallyTopics.partitionOf("counters/ryw0", PARTITIONS);
        HttpResponse<String> future = call(instances.get(0), "GET", "/v1/counters/ryw0?consistency=" + partition
                + ":999999999&waitMs=300", null);
        assertThat(future.statusCode()).as(future.body()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(future.body()).get("error").asText()).isEqualTo("NOT_YET_APPLIED");

        instances.remove(2).close();
        assertEveryInstanceServes(instances, expected);
    }

    /**
     * Retries through rebalances (503 with Retry-After) until every instance serves every record
     * exactly; no answer on the way may be a 404, since every record exists throughout.
     */
    private static void assertEveryInstanceServes(List<Tally> serving, Map<String, BigDecimal> expected) {
        List<String> falseAbsences = new java.util.concurrent.CopyOnWriteArrayList<>();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            for (Tally instance : serving) {
                for (Map.Entry<String, BigDecimal> wallet : expected.entrySet()) {
                    HttpResponse<String> read = call(instance, "GET", "/v1/wallets/" + wallet.getKey(), null);
                    if (read.statusCode() == 404) {
                        falseAbsences.add(wallet.getKey() + ": " + read.body());
                    }
                    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
                    assertThat(Json.MAPPER.readTree(read.body()).get("fields").get("balance").asText())
                            .isEqualTo(wallet.getValue().toPlainString());
                }
            }
        });
        assertThat(falseAbsences).as("records answered as missing during the rebalance").isEmpty();
    }

    private static String answered(Tally instance, String path) {
        String[] body = new String[1];
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            HttpResponse<String> response = call(instance, "GET", path, null);
            body[0] = response.body();
            return response.statusCode() == 200;
        });
        return body[0];
    }
}
