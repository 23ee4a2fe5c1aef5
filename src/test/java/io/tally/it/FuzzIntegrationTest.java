package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.Tally;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.Transaction;
import io.tally.stream.Json;
import io.tally.stream.RejectionRecord;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile input on a real broker: random bytes, broken and schema-breaking JSON, huge and odd
 * numbers, odd Unicode ids and wrong keys thrown at {@code tally.commands}, interleaved with valid
 * commands; and malformed requests thrown at every REST endpoint. The service keeps running, every
 * valid command applies exactly once, every bad message is one rejection naming its source offset,
 * and every bad request is a 4xx with a reason that produces nothing.
 */
class FuzzIntegrationTest {
    private static final int ROUNDS = 1500;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Tally tally;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), "tally-fuzz-it", 4)
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(20), 4096));
        tally = Tally.start(settings);
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                .until(() -> call("GET", "/health/ready", null).statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        tally.close();
        broker.close();
    }

    /** Ways to break a valid command, each certain to be refused. */
    private static final List<Function<Random, String[]>> BREAKERS = List.of(
            random -> new String[] {"counters/c1", null, "bytes"},
            random -> {
                String valid = valid("c1", "1", null);
                return new String[] {"counters/c1", valid.substring(0, random.nextInt(valid.length() - 1)), "truncated"};
            },
            random -> new String[] {"counters/other", valid("c1", "1", null), "wrong key"},
            random -> new String[] {"counters/c1", valid("c1", pick(random, "1e999999999", "NaN", "Infinity", "-0x10",
                    "1.5", "9".repeat(39), "9".repeat(100), "", "1 1", "1_000"), null), "bad amount"},
            random -> new String[] {"counters/c1", pick(random,
                    "{\"op\":\"add\",\"resource\":\"counters\",\"id\":\"c1\",\"field\":\"stats.clicks\",\"amount\":true}",
                    "{\"op\":\"add\",\"resource\":\"counters\",\"id\":\"c1\",\"field\":\"stats.clicks\",\"amount\":{}}",
                    "{\"op\":7,\"resource\":\"counters\",\"id\":\"c1\",\"field\":\"stats.clicks\",\"amount\":\"1\"}",
                    "{\"op\":\"add\",\"resource\":null,\"id\":\"c1\",\"field\":\"stats.clicks\",\"amount\":\"1\"}",
                    "{\"op\":\"add\",\"resource\":\"counters\",\"id\":[],\"field\":\"stats.clicks\",\"amount\":\"1\"}",
                    "[1,2,3]", "\"just a string\"", "null", "{}", "{\"op\":\"add\"}",
                    "{\"op\":\"add\",\"op\":\"sub\",\"resource\":\"counters\",\"id\":\"c1\",\"field\":\"stats.clicks\",\"amount\":\"1\"}",
                    "{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}"), "schema"},
            random -> new String[] {"counters/c1", pick(random,
                    valid("c1", "1", null).replace("\"add\"", "\"explode\""),
                    valid("c1", "1", null).replace("\"counters\"", "\"zz\""),
                    valid("c1", "1", null).replace("stats.clicks", "stats.nope")), "unknown names"},
            random -> {
                String id = pick(random, "a/b", "tab\\tid", "nul\\u0000id", "half\\ud800", "sp ace", "");
                return new String[] {"counters/" + id.replace("\\t", "\t").replace("\\u0000", "\u0000")
                        .replace("\\ud800", "?"), valid(id, "1", null), "bad id"};
            },
            random -> new String[] {"counters/c1", "{\"pad\":\"" + "x".repeat(70_000) + "\"}", "huge"},
            random -> {
                String valid = valid("c1", "1", null);
                String open = valid.substring(0, valid.length() - 1);
                // Half a character in meta once stopped the stream on every restart; more after the object was read up to it.
                return new String[] {"counters/c1", pick(random, open + ",\"meta\":{\"s\":\"\\ud800\"}}",
                        open + ",\"meta\":{\"s\":[\"x\\udfff\"]}}", valid + " {}", valid + "garbage"), "meta text or more after"};
            });

    @Test
    void hostileCommandsAreRejectedWhileValidOnesApplyExactlyOnce() throws Exception {
        Random random = new Random(11);
        Map<String, BigDecimal> expected = new HashMap<>();
        int bad = 0;
        int good = 0;
        try (KafkaProducer<String, byte[]> producer = KafkaFixture.producer(broker.bootstrapServers())) {
            for (int round = 0; round < ROUNDS; round++) {
                if (random.nextBoolean()) {
                    // Odd but valid ids: emoji, combining marks, right-to-left text, '|' and quotes.
                    String id = pick(random, "c😀", "e\u0301t\u00e9", "עברית", "pipe|id", "q\"uote", "c" + random.nextInt(5));
                    String amount = 1 + random.nextInt(999) + ""; // an add takes more than zero
                    producer.send(record("counters/" + id, valid(id, amount, "good-" + good)));
                    expected.merge(id, new BigDecimal(amount), BigDecimal::add);
                    good++;
                } else {
                    String[] broken = BREAKERS.get(random.nextInt(BREAKERS.size())).apply(random);
                    byte[] value = broken[1] == null ? randomBytes(random) : broken[1].getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, broken[0], value));
                    bad++;
                }
            }
            // A tombstone and a message without a key are hostile too.
            producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, "counters/c1", null));
            producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, null, valid("c1", "1", null).getBytes(StandardCharsets.UTF_8)));
            bad += 2;
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> KafkaFixture.consumedAll(broker.bootstrapServers(), "tally-fuzz-it"));

        assertThat(tally.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
        List<Transaction> transactions = KafkaFixture.transactions(broker.bootstrapServers());
        List<RejectionRecord> rejections = KafkaFixture.rejections(broker.bootstrapServers());
        Set<String> applied = new HashSet<>();
        for (Transaction transaction : transactions) {
            assertThat(applied.add(transaction.txId())).as("applied once: " + transaction.txId()).isTrue();
        }
        assertThat(applied).as("every valid command, and nothing else").hasSize(good)
                .allMatch(txId -> txId.startsWith("good-"));
        Set<String> sources = new HashSet<>();
        for (RejectionRecord rejection : rejections) {
            assertThat(rejection.message()).as(rejection.code() + " has a reason").isNotBlank();
            assertThat(sources.add(rejection.partition() + "@" + rejection.offset())).as("one rejection per message").isTrue();
        }
        assertThat(rejections).as("every hostile message accounted for").hasSize(bad);
        for (Map.Entry<String, BigDecimal> counter : expected.entrySet()) {
            HttpResponse<String> read = call("GET", "/v1/counters/" + encode(counter.getKey()), null);
            assertThat(read.statusCode()).as(counter.getKey() + " " + read.body()).isEqualTo(200);
            assertThat(new BigDecimal(Json.MAPPER.readTree(read.body()).get("fields").get("stats.clicks").asText()))
                    .as(counter.getKey()).isEqualByComparingTo(counter.getValue());
        }
        System.out.printf("fuzz: %d valid commands applied once, %d hostile messages each rejected once%n", good, bad);
    }

    @Test
    void hostileRequestsGetAFourHundredWithAReasonAndProduceNothing() throws Exception {
        Random random = new Random(5);
        String[] paths = {"/v1/wallets/f1", "/v1/wallets/f1/balance/add", "/v1/wallets/f1/balance/set",
                "/v1/wallets", "/v1/wallets/f1/balance/transactions", "/v1/wallets/f1/balance",
                "/v1/analytics/wallets/balance", "/v1/analytics/wallets/balance/top", "/v1/changes"};
        String[] queries = {"", "?limit=-1", "?limit=99999999999", "?cursor=%00", "?period=%F0%9F%98%80&last=1",
                "?period=day&last=-3", "?period=day&from=2026-13-45&to=x", "?asOf=yesterday", "?mode=%2e%2e",
                "?prefix=a%2Fb", "?period=hour&within=2025-W99", "?from=2026-01-02&to=2026-01-01&period=day"};
        String[] bodies = {"{", "[]", "{\"amount\": []}", "{\"amount\": \"1e99999\"}", "{\"amount\": \"ab\"}",
                "{\"balance\": {\"x\": 1}}", "{\"meta\": 5, \"amount\": 1}", "\u0000\u0001", "{\"amount\": 1, \"amount\": 2}",
                "{\"amount\": \"" + "9".repeat(5000) + "\"}", "x".repeat(10_000),
                "{\"amount\": \"1\", \"meta\": {\"s\": \"\\ud800\"}}", "{\"amount\": \"1\"} {}"};
        long before = commandsWritten();
        int sent = 0;
        for (int i = 0; i < 400; i++) {
            String path = paths[random.nextInt(paths.length)];
            String query = queries[random.nextInt(queries.length)];
            boolean write = random.nextBoolean() && !path.contains("analytics") && !path.contains("changes");
            HttpResponse<String> response = call(write ? "POST" : "GET", path + query,
                    write ? bodies[random.nextInt(bodies.length)] : null);
            sent++;
            int status = response.statusCode();
            if (status == 200 && !write) {
                continue; // a read that happened to be valid (an unknown query parameter is ignored)
            }
            assertThat(status).as(path + query + " → " + response.body()).isBetween(400, 499);
            JsonNode error = Json.MAPPER.readTree(response.body());
            assertThat(error.get("error").asText()).as(path + query).isNotBlank();
            assertThat(error.get("message").asText()).as(path + query).isNotBlank();
        }
        assertThat(commandsWritten()).as("no bad request produced a command").isEqualTo(before);
        assertThat(call("GET", "/health/live", null).statusCode()).isEqualTo(200);
        System.out.printf("fuzz: %d hostile requests, none produced a command, none a 5xx%n", sent);
    }

    private static String valid(String id, String amount, String txId) {
        return "{\"op\":\"add\",\"resource\":\"counters\",\"id\":" + Json.MAPPER.valueToTree(id) + ",\"field\":\"stats.clicks\","
                + "\"amount\":\"" + amount + "\"" + (txId == null ? "" : ",\"txId\":\"" + txId + "\"") + "}";
    }

    private static ProducerRecord<String, byte[]> record(String key, String json) {
        return new ProducerRecord<>(TallyTopics.COMMANDS, key, json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(2000)];
        random.nextBytes(bytes);
        bytes[0] = (byte) 0xFF; // never valid UTF-8, so never accidentally a command
        return bytes;
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String encode(String id) {
        return java.net.URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tally.httpPort() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static long commandsWritten() throws Exception {
        List<Long> ends = new ArrayList<>();
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            var latest = new HashMap<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>();
            for (int p = 0; p < 4; p++) {
                latest.put(new org.apache.kafka.common.TopicPartition(TallyTopics.COMMANDS, p),
                        org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            admin.listOffsets(latest).all().get().values().forEach(info -> ends.add(info.offset()));
        }
        return ends.stream().mapToLong(Long::longValue).sum();
    }
}
