package io.tally.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.Tally;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.http.HttpApi;
import io.tally.kafka.EmbeddedKafka;
import io.tally.ledger.Ledger;
import io.tally.metrics.TallyMetrics;
import io.tally.stream.Json;
import io.tally.stream.StreamsProperties;
import io.tally.stream.TallyTopology;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The REST API of one instance on a real broker: sync and async writes, reads, analytics, and bad input that produces nothing. */
class HttpApiIntegrationTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** http.maxThreads of the instance under test: every test here runs within it. */
    private static final int SERVER_THREADS = 24;
    /** maxCommandBytes of the instance under test: below its http.maxBodyBytes (4,096). */
    private static final int MAX_COMMAND_BYTES = 3_000;

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Tally tally;
    private static String base;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        // The example resources, but no analytics of counters.
        Map<String, Object> resources = Map.of(
                "wallets", Map.of("consistency", "sync", "fields", Map.of("balance", Map.of("scale", 2, "minimum", "0"))),
                "counters", Map.of("createOnFirstUse", true, "consistency", "async", "analytics", false,
                        "fields", Map.of("stats.clicks", Map.of(), "stats.views", Map.of())));
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state"), "tally-http-it", 4,
                        Map.of("resources", resources, "maxCommandBytes", MAX_COMMAND_BYTES))
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(20), 4096).withMaxThreads(SERVER_THREADS));
        tally = Tally.start(settings);
        base = "http://127.0.0.1:" + tally.httpPort();
        await().atMost(Duration.ofSeconds(90)).until(() -> call("GET", "/health/ready", null, Map.of()).statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        tally.close();
        broker.close();
    }

    private static HttpResponse<String> call(String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> callAsync(String method, String path, String body,
                                                                     Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.MAPPER.readTree(response.body());
    }

    @Test
    void syncWritesAnswerWithTheCommittedOutcomeAndReadsSeeThem() throws Exception {
        HttpResponse<String> created = call("POST", "/v1/wallets/h1", "{\"balance\": \"10\"}", Map.of());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(json(created).get("op").asText()).isEqualTo("create");

        HttpResponse<String> added = call("POST", "/v1/wallets/h1/balance/add", "{\"amount\": 12.5, \"meta\": {\"user\": \"ann\"}}",
                Map.of("Idempotency-Key", "pay-1"));
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(json(added).get("after").asText()).isEqualTo("22.50");
        assertThat(json(added).get("meta").get("user").asText()).isEqualTo("ann");
        assertThat(added.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        HttpResponse<String> history = call("GET", "/v1/wallets/h1/balance/transactions", null, Map.of());
        assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
        JsonNode logged = null;
        for (JsonNode transaction : json(history).get("transactions")) {
            if (transaction.get("sequence").asLong() == json(added).get("sequence").asLong()) {
                logged = transaction;
            }
        }
        assertThat(json(added)).as("the sync answer is the committed transaction as on the audit log").isEqualTo(logged);

        HttpResponse<String> again = call("POST", "/v1/wallets/h1/balance/add", "{\"amount\": 12.5}",
                Map.of("Idempotency-Key", "pay-1"));
        assertThat(again.statusCode()).as("a repeated key answers the original outcome").isEqualTo(200);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(json(again).get("txId").asText()).isEqualTo("pay-1");
        assertThat(json(again).get("sequence").asLong()).isEqualTo(json(added).get("sequence").asLong());
        assertThat(json(again).get("after").asText()).isEqualTo("22.50");

        HttpResponse<String> tooMuch = call("POST", "/v1/wallets/h1/balance/sub", "{\"amount\": \"100\"}", Map.of());
        assertThat(tooMuch.statusCode()).isEqualTo(422);
        assertThat(json(tooMuch).get("error").asText()).isEqualTo("BELOW_MINIMUM");
        assertThat(json(tooMuch).get("message").asText()).contains("below its minimum");
        HttpResponse<String> refusedAgain = call("POST", "/v1/wallets/h1/balance/sub", "{\"amount\": \"100\"}",
                Map.of("Idempotency-Key", json(tooMuch).get("txId").asText()));
        assertThat(refusedAgain.statusCode()).isEqualTo(422);
        assertThat(json(refusedAgain).get("error").asText()).isEqualTo("BELOW_MINIMUM");

        HttpResponse<String> read = call("GET", "/v1/wallets/h1", null, Map.of());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(json(read).get("fields").get("balance").asText()).isEqualTo("22.50");
        assertThat(json(read).get("version").asLong()).isEqualTo(2);

        HttpResponse<String> clicked = call("POST", "/v1/counters/h1/stats.clicks/increment", null, Map.of());
        assertThat(clicked.statusCode()).isEqualTo(202);
        assertThat(json(clicked).get("txId").asText()).isNotBlank();
        await().atMost(Duration.ofSeconds(30)).until(() -> call("GET", "/v1/counters/h1", null, Map.of()).statusCode() == 200);

        HttpResponse<String> day = call("GET", "/v1/analytics/wallets/balance?period=day&last=1&breakdown=operations&id=h1",
                null, Map.of());
        assertThat(day.statusCode()).as(day.body()).isEqualTo(200);
        JsonNode row = json(day).get("rows").get(0);
        assertThat(row.get("count").asLong()).isEqualTo(2);
        assertThat(row.get("sum").asText()).isEqualTo("22.50");
        assertThat(row.get("operations").get("add").get("sum").asText()).isEqualTo("12.50");

        HttpResponse<String> top = call("GET", "/v1/analytics/wallets/balance/top?period=day&by=sum&limit=3", null, Map.of());
        assertThat(top.statusCode()).as(top.body()).isEqualTo(200);
        assertThat(json(top).get("records").get(0).get("id").asText()).isEqualTo("h1");

        HttpResponse<String> deleted = call("DELETE", "/v1/wallets/h1", null, Map.of());
        assertThat(deleted.statusCode()).isEqualTo(200);
        HttpResponse<String> gone = call("GET", "/v1/wallets/h1", null, Map.of());
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(json(gone).get("error").asText()).isEqualTo("RECORD_NOT_FOUND");
    }

    /** An idempotency key is remembered per record, so two records' writes may share one: each answers its own outcome. */
    @Test
    void writesToTwoRecordsWithOneIdempotencyKeyEachAnswerTheirOwnOutcome() throws Exception {
        for (String wallet : List.of("k1", "k2")) {
            assertThat(call("POST", "/v1/wallets/" + wallet, "{\"balance\": \"10\"}", Map.of()).statusCode()).isEqualTo(200);
        }
        for (int round = 0; round < 3; round++) {
            Map<String, String> key = Map.of("Idempotency-Key", "shared-" + round);
            // At once, so that both wait on the same commit.
            CompletableFuture<HttpResponse<String>> refused = callAsync("POST", "/v1/wallets/k1/balance/sub",
                    "{\"amount\": \"1000\"}", key);
            CompletableFuture<HttpResponse<String>> applied = callAsync("POST", "/v1/wallets/k2/balance/add",
                    "{\"amount\": \"1\"}", key);

            assertThat(refused.get().statusCode()).as(refused.get().body()).isEqualTo(422);
            assertThat(json(refused.get()).get("error").asText()).isEqualTo("BELOW_MINIMUM");
            assertThat(applied.get().statusCode()).as(applied.get().body()).isEqualTo(200);
            assertThat(json(applied.get()).get("id").asText()).isEqualTo("k2");
            assertThat(json(applied.get()).get("after").asText()).isEqualTo(new BigDecimal(11 + round).setScale(2).toPlainString());
        }
    }

    @Test
    void anInstanceThatCannotListenSaysWhereAndWhy() {
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state-taken"), "tally-http-taken", 4)
                .withHttp(new HttpSettings(true, "127.0.0.1", tally.httpPort(), "", Duration.ofSeconds(20), 4096));

        assertThatThrownBy(() -> Tally.start(settings)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the REST API did not start on 127.0.0.1:" + tally.httpPort()
                        + " (http.host, http.port): Address already in use");
    }

    /** A supervisor that restarts only failed processes must see a fatal error as one. */
    @Test
    void runningUntilShutdownSaysWhetherKafkaStreamsFailed() throws Exception {
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state-failing"), "tally-http-failing", 4,
                Map.of("replicationFactor", "3")).withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(20), 4096));
        Tally failing = Tally.start(settings);
        try {
            CompletableFuture<Boolean> failed = CompletableFuture.supplyAsync(() -> {
                try {
                    return failing.runUntilShutdown();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // One broker cannot hold changelogs of three replicas: Kafka Streams stops with an error.
            assertThat(failed.get(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            failing.close();
        }
    }

    @Test
    void badInputGetsAClearFourHundredAndProducesNothing() throws Exception {
        long before = commandsWritten();
        Map<String, Integer> expected = Map.ofEntries(
                Map.entry("POST /v1/wallets/b1/balance/add {not json", 400),
                Map.entry("POST /v1/wallets/b1/balance/add {\"amount\": true}", 400),
                Map.entry("POST /v1/wallets/b1/balance/add [1]", 400),
                Map.entry("POST /v1/wallets/b1/balance/add {\"amount\": \"1\"} {\"amount\": \"2\"}", 400),
                Map.entry("POST /v1/wallets/b1/balance/add {\"amount\": \"1.001\"}", 422),
                Map.entry("POST /v1/wallets/b1/balance/add {\"amount\": \"NaN\"}", 422),
                Map.entry("POST /v1/wallets/b1/balance/sub {\"amount\": \"-5\"}", 422),
                Map.entry("POST /v1/counters/b1/stats.clicks/increment {\"amount\": 0}", 422),
                Map.entry("POST /v1/transfers {\"from\": {\"resource\": \"wallets\", \"id\": \"b1\", \"field\": \"balance\"}, "
                        + "\"to\": {\"resource\": \"wallets\", \"id\": \"b2\", \"field\": \"balance\"}, \"amount\": \"0\"}", 422),
                Map.entry("POST /v1/wallets/b1/balance/add {\"amount\": \"1\", \"meta\": {\"s\": \"\\ud800\"}}", 400),
                Map.entry("POST /v1/wallets/b1 {\"balance\": \"1\", \"meta\": {\"s\": [\"\\udfff\"]}}", 400),
                Map.entry("POST /v1/wallets/b1/balance/add {\"amount\": \"1\", \"extra\": 1}", 400),
                Map.entry("POST /v1/wallets/b1/balance/add", 400),
                Map.entry("POST /v1/wallets/b1/balance/add?mode=maybe {\"amount\": \"1\"}", 400),
                Map.entry("POST /v1/wallets/b1/balance/transfer {\"amount\": \"1\"}", 404),
                Map.entry("POST /v1/wallets/b1/points/add {\"amount\": \"1\"}", 404),
                Map.entry("POST /v1/nope/b1/balance/add {\"amount\": \"1\"}", 404),
                Map.entry("POST /v1/wallets/b1 {\"points\": \"1\"}", 404),
                Map.entry("GET /v1/analytics/wallets/balance?period=fortnight&last=3", 400),
                Map.entry("GET /v1/analytics/wallets/balance?period=day", 400),
                Map.entry("GET /v1/analytics/wallets/balance?period=day&last=x", 400),
                Map.entry("GET /v1/analytics/wallets/balance?period=week&within=2025-10-09", 400),
                Map.entry("GET /v1/analytics/wallets/balance?period=day&within=2025-W60", 400),
                Map.entry("GET /v1/analytics/nope/balance?period=day&last=3", 404),
                Map.entry("GET /v1/analytics/wallets/points?period=day&last=3", 404),
                Map.entry("GET /v1/analytics/counters/stats.clicks?period=day&last=3", 404),
                Map.entry("GET /v1/analytics/counters/stats.clicks/top?period=day", 404),
                Map.entry("GET /v1/wallets?limit=0", 400),
                Map.entry("GET /v1/wallets?limit=x", 400),
                Map.entry("GET /v1/nope?limit=3", 404),
                Map.entry("GET /v1/wallets/b1/balance/transactions?cursor=-4", 400),
                Map.entry("GET /v1/wallets/b1/balance/transactions?from=yesterday", 400),
                Map.entry("GET /v1/wallets/b1/balance/transactions?from=2026-01-02&to=2026-01-01", 400),
                Map.entry("GET /v1/wallets/b1/points/transactions", 404),
                Map.entry("GET /v1/wallets/b1/balance/transactions?cursor=9223372036854775807", 200),
                Map.entry("GET /v1/wallets/b1?consistency=2147483647:5", 400),
                Map.entry("GET /v1/analytics/wallets/balance/top?period=day&at=%2B999999999-12-31", 400),
                Map.entry("GET /v1/analytics/wallets/balance?period=year&from=2026-01-01&to=%2B999999999-12-31T23:59:59Z", 400),
                Map.entry("GET /v1/analytics/wallets/balance?period=day&within=2026-13-01", 400),
                Map.entry("PUT /v1/wallets/b1 {}", 405),
                Map.entry("POST /v1/wallets/a%C3b {\"balance\": \"1\"}", 400),
                Map.entry("POST /v1/wallets/b1/balance/add {\"amount\": \"\u0661\u0662\"}", 422),
                Map.entry("GET /v2/anything", 404));
        for (Map.Entry<String, Integer> request : expected.entrySet()) {
            String[] parts = request.getKey().split(" ", 3);
            HttpResponse<String> response = call(parts[0], parts[1], parts.length > 2 ? parts[2] : null,
                    Map.of("Content-Type", "application/json"));
            assertThat(response.statusCode()).as(request.getKey() + " → " + response.body()).isEqualTo(request.getValue());
            if (response.statusCode() == 200) {
                continue;
            }
            assertThat(json(response).get("message").asText()).as(request.getKey()).isNotBlank()
                    .doesNotContain("java.", "Exception", "`");
            if (request.getKey().startsWith("GET /v2/")) {
                assertThat(json(response).get("error").asText()).isEqualTo("NOT_FOUND");
            }
            if (request.getKey().startsWith("PUT ")) {
                assertThat(json(response).get("error").asText()).isEqualTo("METHOD_NOT_ALLOWED");
                assertThat(json(response).get("message").asText()).contains("GET").contains("POST").contains("DELETE");
                assertThat(response.headers().firstValue("Allow")).hasValueSatisfying(allow -> assertThat(allow).contains("DELETE"));
            }
            if (request.getKey().contains("/analytics/counters/")) {
                assertThat(json(response).get("error").asText()).as(request.getKey()).isEqualTo("NO_ANALYTICS");
            }
        }
        // java.net.URI refuses a broken escape, so this one goes over a socket as it is.
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", tally.httpPort())) {
            socket.getOutputStream().write(("POST /v1/wallets/b1/balance/add?mode=%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Length: 15\r\nConnection: close\r\n\r\n{\"amount\": \"1\"}").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400").contains("has a '%' not followed by two hexadecimal digits");
        }
        HttpResponse<String> twoKeys = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/v1/wallets/b1/balance/add"))
                .header("Idempotency-Key", "k-1").header("Idempotency-Key", "k-2")
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"1\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(twoKeys.statusCode()).as(twoKeys.body()).isEqualTo(400);
        assertThat(json(twoKeys).get("message").asText()).contains("one Idempotency-Key");
        long written = commandsWritten();
        assertThat(call("POST", "/v1/wallets/z1", "{\"balance\": \"1\"}", Map.of()).statusCode()).isEqualTo(200);
        HttpResponse<String> zeroWithAHugeExponent = call("POST", "/v1/wallets/z1/balance/set", "{\"amount\": 0e-999999999}", Map.of());
        assertThat(zeroWithAHugeExponent.statusCode()).as(zeroWithAHugeExponent.body()).isEqualTo(200);
        assertThat(json(zeroWithAHugeExponent).get("amount").asText()).as("spelled out at the field's scale").isEqualTo("0.00");
        before += commandsWritten() - written;
        HttpResponse<String> exponent = call("POST", "/v1/wallets/b1/balance/add", "{\"amount\": 1e400}", Map.of());
        assertThat(json(exponent).get("message").asText()).as(exponent.body()).contains("digits before the decimal point");
        HttpResponse<String> halfACharacter = call("POST", "/v1/wallets/b1/balance/add",
                "{\"amount\": \"1\", \"meta\": {\"s\": \"\\ud800\"}}", Map.of());
        assertThat(json(halfACharacter).get("message").asText()).contains("unpaired surrogate");
        // A body within http.maxBodyBytes whose command is over maxCommandBytes: the stream would refuse it.
        HttpResponse<String> commandTooLarge = call("POST", "/v1/wallets/b1/balance/add",
                "{\"amount\": \"1\", \"meta\": {\"pad\": \"" + "x".repeat(MAX_COMMAND_BYTES) + "\"}}", Map.of());
        assertThat(commandTooLarge.statusCode()).as(commandTooLarge.body()).isEqualTo(413);
        assertThat(json(commandTooLarge).get("message").asText()).contains("maxCommandBytes");
        String huge = "{\"amount\": \"1\", \"meta\": {\"pad\": \"" + "x".repeat(10_000) + "\"}}";
        HttpResponse<String> tooLarge = call("POST", "/v1/wallets/b1/balance/add", huge, Map.of());
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(json(tooLarge).get("error").asText()).isEqualTo("TOO_LARGE");
        // Without a Content-Length (chunked), the limit holds as the body is read.
        HttpResponse<String> tooLargeChunked = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/v1/wallets/b1/balance/add"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        huge.getBytes(java.nio.charset.StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tooLargeChunked.statusCode()).as(tooLargeChunked.body()).isEqualTo(413);
        // Headers past Jetty's limit are refused before any route: in the same form.
        HttpResponse<String> headersTooLarge = call("POST", "/v1/wallets/b1/balance/add", "{\"amount\": \"1\"}",
                Map.of("X-Pad", "x".repeat(10_000)));
        assertThat(headersTooLarge.statusCode()).isEqualTo(431);
        assertThat(json(headersTooLarge).get("error").asText()).as(headersTooLarge.body()).isEqualTo("TOO_LARGE");
        assertThat(commandsWritten()).isEqualTo(before);
    }

    @Test
    void aBodySentWithoutContentLengthIsReadWhole() throws Exception {
        assertThat(call("POST", "/v1/wallets/chunked1", "{\"balance\": \"1\"}", Map.of()).statusCode()).isEqualTo(200);
        HttpResponse<String> added = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/v1/wallets/chunked1/balance/add"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        "{\"amount\": \"2.50\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(json(added).get("after").asText()).isEqualTo("3.50");
    }

    @Test
    void streamsCommittedChangesOfAResourceAsServerSentEvents() throws Exception {
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpRequest subscribe = HttpRequest.newBuilder(URI.create(base + "/v1/changes?resource=wallets&prefix=s"))
                .header("Accept", "text/event-stream").build();
        var stream = CLIENT.sendAsync(subscribe, HttpResponse.BodyHandlers.fromLineSubscriber(
                new java.util.concurrent.Flow.Subscriber<String>() {
                    @Override
                    public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
                        subscription.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(String line) {
                        lines.add(line);
                    }

                    @Override
                    public void onError(Throwable error) {
                    }

                    @Override
                    public void onComplete() {
                    }
                }));
        try {
            // The subscription is live once a change made after it shows up; earlier ones are not replayed.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(call("POST", "/v1/wallets/s" + System.nanoTime(), "{}", Map.of()).statusCode()).isEqualTo(200);
                assertThat(lines).anyMatch(line -> line.startsWith("data:") && line.contains("\"op\":\"create\""));
            });
            HttpResponse<String> other = call("POST", "/v1/wallets/x1", "{}", Map.of());
            HttpResponse<String> mine = call("POST", "/v1/wallets/s1", "{\"balance\": \"3\"}", Map.of());
            String txId = json(mine).get("txId").asText();
            String otherTxId = json(other).get("txId").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(line -> line.contains(txId)));
            assertThat(lines).contains("event: transaction")
                    .noneMatch(line -> line.contains(otherTxId));
        } finally {
            stream.cancel(true);
        }
        HttpResponse<String> unknown = call("GET", "/v1/changes?resource=nope", null, Map.of("Accept", "text/event-stream"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(call("GET", "/v1/changes", null, Map.of()).statusCode()).isEqualTo(406);
    }

    @Test
    void listsIdsAndPagesThroughAFieldsCompleteHistory() throws Exception {
        for (String id : new String[] {"l3", "l1", "l2", "l4", "m1"}) {
            assertThat(call("POST", "/v1/wallets/" + id, "{\"balance\": \"1\"}", Map.of()).statusCode()).isEqualTo(200);
        }
        assertThat(call("DELETE", "/v1/wallets/l4", null, Map.of()).statusCode()).isEqualTo(200);
        java.util.List<String> ids = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = json(call("GET", "/v1/wallets?prefix=l&limit=2" + (cursor == null ? "" : "&cursor=" + cursor),
                    null, Map.of()));
            page.get("ids").forEach(id -> ids.add(id.asText()));
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (cursor != null);
        assertThat(ids).as("live ids with the prefix, in order, each once").containsExactly("l1", "l2", "l3");
        assertThat(pages).isEqualTo(2);

        java.time.Instant beforeCreate = java.time.Instant.parse(json(call("GET", "/v1/wallets/l1", null, Map.of()))
                .get("created").asText()).minusMillis(1);
        java.time.Instant afterThird = null;
        for (int i = 1; i <= 5; i++) {
            assertThat(call("POST", "/v1/wallets/l1/balance/add", "{\"amount\": \"" + i + "\"}", Map.of()).statusCode())
                    .isEqualTo(200);
            if (i == 3) {
                afterThird = java.time.Instant.now();
            }
        }
        assertThat(json(call("GET", "/v1/wallets/l1/balance?asOf=" + afterThird, null, Map.of())).get("value").asText())
                .as("time travel to between the third and fourth change").isEqualTo("7.00");
        assertThat(json(call("GET", "/v1/wallets/l1/balance", null, Map.of())).get("value").asText()).isEqualTo("16.00");
        assertThat(call("GET", "/v1/wallets/l1/balance?asOf=" + beforeCreate, null, Map.of()).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/v1/wallets/l1/balance?asOf=soon", null, Map.of()).statusCode()).isEqualTo(400);
        java.util.List<JsonNode> history = new java.util.ArrayList<>();
        cursor = null;
        do {
            JsonNode page = json(call("GET", "/v1/wallets/l1/balance/transactions?limit=4"
                    + (cursor == null ? "" : "&cursor=" + cursor), null, Map.of()));
            page.get("transactions").forEach(history::add);
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
        } while (cursor != null);
        assertThat(history).extracting(t -> t.get("sequence").asLong()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(history).extracting(t -> t.path("after").asText(null)).containsExactly(null, "2.00", "4.00", "7.00",
                "11.00", "16.00");
        JsonNode future = json(call("GET", "/v1/wallets/l1/balance/transactions?from=2999-01-01", null, Map.of()));
        assertThat(future.get("transactions")).isEmpty();
        assertThat(future.get("next").isNull()).isTrue();
    }

    private static String transferBody(String from, String to, String amount) {
        return "{\"from\": {\"resource\": \"wallets\", \"id\": \"" + from + "\", \"field\": \"balance\"}, "
                + "\"to\": {\"resource\": \"wallets\", \"id\": \"" + to + "\", \"field\": \"balance\"}, \"amount\": \"" + amount + "\"}";
    }

    @Test
    void transfersEndCompletedCompensatedOrRejectedAndTellTheirState() throws Exception {
        assertThat(call("POST", "/v1/wallets/ta", "{\"balance\": \"100\"}", Map.of()).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/v1/wallets/tb", "{}", Map.of()).statusCode()).isEqualTo(200);

        HttpResponse<String> done = call("POST", "/v1/transfers", transferBody("ta", "tb", "30"), Map.of("Idempotency-Key", "tr-1"));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(json(done).get("state").asText()).isEqualTo("completed");
        assertThat(json(done).get("debit").get("after").asText()).isEqualTo("70.00");
        assertThat(json(done).get("credit").get("after").asText()).isEqualTo("30.00");

        HttpResponse<String> again = call("POST", "/v1/transfers", transferBody("ta", "tb", "30"), Map.of("Idempotency-Key", "tr-1"));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(json(again).get("state").asText()).isEqualTo("completed");

        HttpResponse<String> compensated = call("POST", "/v1/transfers", transferBody("ta", "nobody", "10"), Map.of());
        assertThat(compensated.statusCode()).as(compensated.body()).isEqualTo(404);
        assertThat(json(compensated).get("state").asText()).isEqualTo("compensated");
        assertThat(json(compensated).get("refund").get("after").asText()).isEqualTo("70.00");

        HttpResponse<String> rejected = call("POST", "/v1/transfers", transferBody("ta", "tb", "500"), Map.of());
        assertThat(rejected.statusCode()).isEqualTo(422);
        assertThat(json(rejected).get("state").asText()).isEqualTo("rejected");
        assertThat(json(rejected).get("error").asText()).isEqualTo("BELOW_MINIMUM");

        JsonNode state = json(call("GET", "/v1/transfers/tr-1", null, Map.of()));
        assertThat(state.get("state").asText()).isEqualTo("completed");
        assertThat(state.get("steps").get("credit").get("state").asText()).isEqualTo("credited");
        assertThat(json(call("GET", "/v1/transfers/" + json(compensated).get("transferId").asText(), null, Map.of()))
                .get("state").asText()).isEqualTo("compensated");
        assertThat(call("GET", "/v1/transfers/never", null, Map.of()).statusCode()).isEqualTo(404);
        assertThat(json(call("GET", "/v1/wallets/ta", null, Map.of())).get("fields").get("balance").asText()).isEqualTo("70.00");
        assertThat(json(call("GET", "/v1/wallets/tb", null, Map.of())).get("fields").get("balance").asText()).isEqualTo("30.00");

        long before = commandsWritten();
        for (String bad : new String[] {"{}", "{\"from\": {\"resource\": \"wallets\", \"id\": \"ta\", \"field\": \"balance\"}}",
                transferBody("ta", "tb", "1.001"), transferBody("ta", "tb", "x"), transferBody("ta", "t/b", "1"),
                transferBody("ta", "tb", "1").replace("\"amount\"", "\"amonut\"")}) {
            HttpResponse<String> response = call("POST", "/v1/transfers", bad, Map.of());
            assertThat(response.statusCode()).as(bad + " → " + response.body()).isBetween(400, 422);
        }
        assertThat(commandsWritten()).isEqualTo(before);
    }

    @Test
    void reportsLagWaitingChangesAndTransfersInFlight() throws Exception {
        HttpResponse<String> early = call("POST", "/v1/wallets/notyet1/balance/add?mode=async", "{\"amount\": \"5\"}", Map.of());
        assertThat(early.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> report = call("GET", "/v1/consistency", null, Map.of());
            assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
            JsonNode body = json(report);
            assertThat(body.get("pendingUntilCreated").get("count").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(body.get("pendingUntilCreated").get("oldestAgeSeconds").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(body.get("lag").asLong()).isZero();
            assertThat(body.get("partitions")).hasSize(4);
            assertThat(body.get("transfersInFlight").get("count").asLong()).isZero();
        });
    }

    @Test
    void bearerTokensGuardReadsAndWritesWhenConfigured() throws Exception {
        String read = "read-token-0123456789";
        String write = "write-token-0123456789";
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state-tokens"), "tally-http-tokens", 4)
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(5), 4096).withTokens(read, write));
        try (io.tally.http.HttpApi guarded = io.tally.http.HttpApi.bind(settings, broker.bootstrapServers(), 4,
                new io.tally.metrics.TallyMetrics())) {
            String url = "http://127.0.0.1:" + guarded.port();
            Map<String, Integer> expected = Map.ofEntries(
                    Map.entry("GET /v1/wallets/w1 -", 401),
                    Map.entry("GET /v1/wallets/w1 wrong-token-0123456789", 401),
                    Map.entry("POST /v1/wallets/w1 -", 401),
                    Map.entry("POST /v1/wallets/w1 " + read, 403),
                    Map.entry("GET /internal/v1/ids?resource=wallets -", 401),
                    // Past the guard; this instance has no Kafka Streams attached, so it answers 503.
                    Map.entry("GET /v1/wallets/w1 " + read, 503),
                    Map.entry("GET /v1/wallets/w1 " + write, 503),
                    Map.entry("GET /health/ready -", 503));
            for (Map.Entry<String, Integer> request : expected.entrySet()) {
                String[] parts = request.getKey().split(" ");
                HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url + parts[1]))
                        .method(parts[0], HttpRequest.BodyPublishers.noBody());
                if (!parts[2].equals("-")) {
                    builder.header("Authorization", "Bearer " + parts[2]);
                }
                HttpResponse<String> response = CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(request.getKey() + " → " + response.body()).isEqualTo(request.getValue());
            }
        }
    }

    @Test
    void servesOnePartitionsAnalyticsEntriesToAnotherInstanceReadingThemOneByOne() throws Exception {
        call("POST", "/v1/wallets/parts1", "{\"balance\": \"5\"}", Map.of());
        call("POST", "/v1/wallets/parts2", "{\"balance\": \"7\"}", Map.of());
        String range = "/internal/v1/partials?from=" + java.net.URLEncoder.encode("\u0000", StandardCharsets.UTF_8)
                + "&to=" + java.net.URLEncoder.encode("\uffff", StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode all = json(call("GET", range, null, Map.of())).get("partitions");
            assertThat(all.size()).isEqualTo(4);
            int nonEmpty = 0;
            for (int partition = 0; partition < 4; partition++) {
                HttpResponse<String> one = call("GET", range + "&partition=" + partition, null, Map.of());
                assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
                JsonNode partitions = json(one).get("partitions");
                assertThat(partitions.size()).isEqualTo(1);
                assertThat(partitions.get(String.valueOf(partition))).isEqualTo(all.get(String.valueOf(partition)));
                nonEmpty += partitions.get(String.valueOf(partition)).isEmpty() ? 0 : 1;
            }
            assertThat(nonEmpty).as("the two wallets' analytics are somewhere").isPositive();
        });
        assertThat(call("GET", range + "&partition=4", null, Map.of()).statusCode()).isEqualTo(400);
        HttpResponse<String> notANumber = call("GET", range + "&partition=first", null, Map.of());
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(notANumber.body()).contains("partition must be a whole number");
    }

    @Test
    void exposesPrometheusMetricsOfTheLedgerHttpKafkaStreamsAndTheRestClients() throws Exception {
        call("POST", "/v1/wallets/metrics1", "{\"balance\": \"5\"}", Map.of());
        call("POST", "/v1/wallets/metrics1/balance/sub", "{\"amount\": \"50\"}", Map.of());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String text = call("GET", "/metrics", null, Map.of()).body();
            assertThat(text).containsPattern("tally_rejections_total\\{code=\"BELOW_MINIMUM\"[^}]*} [1-9]")
                    .containsPattern("tally_transactions_total\\{resource=\"wallets\"[^}]*} [1-9]")
                    .contains("tally_http_requests_seconds_count{method=\"POST\",route=\"/v1/{resource}/{id}/{field}/{op}\"")
                    .contains("kafka_stream_thread_process_total")
                    .contains("kafka_consumer_fetch_manager_records_lag_max")
                    // The REST API's own clients: the producer of commands and the outcome reader.
                    .containsPattern("kafka_producer_record_queue_time_avg\\{client_id=\"producer-[0-9]+\"")
                    .containsPattern("kafka_consumer_fetch_manager_fetch_latency_avg\\{client_id=\"consumer-[^\"]+\"")
                    .contains("jvm_memory_used_bytes")
                    .containsPattern("jetty_threads_config_max(\\{[^}]*})? " + SERVER_THREADS + "\\.0")
                    .containsPattern("tally_analytics_unreadable_skipped_total(\\{[^}]*})? 0");
        });
    }

    @Test
    void readsWaitingForTheirWritesHoldNoServerThread() throws Exception {
        // Twice as many reads as the server has threads, each waiting for a write that never comes.
        String key = "counters/waits-on-nothing";
        String token = TallyTopics.partitionOf(key, 4) + ":999999999";
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> waiting = IntStream.range(0, 2 * SERVER_THREADS)
                .mapToObj(i -> CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/" + key + "?consistency="
                        + token + "&waitMs=20000")).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()))
                .toList();
        java.util.regex.Pattern active = java.util.regex.Pattern.compile("tally_http_requests_active(\\{[^}]*})? ([0-9.]+)");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            java.util.regex.Matcher gauge = active.matcher(call("GET", "/metrics", null, Map.of()).body());
            assertThat(gauge.find()).isTrue();
            // The waiting reads and this request itself.
            assertThat(Double.parseDouble(gauge.group(2))).isGreaterThanOrEqualTo(2 * SERVER_THREADS + 1);
        });
        // While all of them wait, the server still answers: a write and a read of it.
        HttpResponse<String> written = call("POST", "/v1/wallets/while-reads-wait", "{\"balance\": \"3\"}", Map.of());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
        assertThat(json(call("GET", "/v1/wallets/while-reads-wait", null, Map.of())).get("fields").get("balance").asText())
                .isEqualTo("3.00");
        assertThat(waiting).as("reads still waiting for their write").noneMatch(java.util.concurrent.CompletableFuture::isDone);
        for (var read : waiting) {
            HttpResponse<String> answer = read.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
            assertThat(json(answer).get("error").asText()).isEqualTo("NOT_YET_APPLIED");
        }
        // Answered after their wait failed, and still counted in the requests' timer.
        java.util.regex.Matcher counted = java.util.regex.Pattern.compile("tally_http_requests_seconds_count\\{method=\"GET\","
                + "route=\"/v1/\\{resource}/\\{id}\",status=\"503\",?[^}]*} ([0-9.]+)").matcher(call("GET", "/metrics", null, Map.of()).body());
        assertThat(counted.find()).as("a timer of reads answered 503").isTrue();
        assertThat(Double.parseDouble(counted.group(1))).isGreaterThanOrEqualTo(2 * SERVER_THREADS);
    }

    @Test
    void publishesItsOpenApiDescription() throws Exception {
        JsonNode spec = json(call("GET", "/openapi.json", null, Map.of()));
        assertThat(spec.get("openapi").asText()).startsWith("3.");
        assertThat(spec.get("paths").fieldNames()).toIterable().contains("/v1/{resource}/{id}",
                "/v1/{resource}/{id}/{field}/{op}", "/v1/analytics/{resource}/{field}",
                "/v1/analytics/{resource}/{field}/top", "/health/live", "/health/ready");
    }

    /**
     * The REST API listens before Kafka Streams starts (its port is what the instance advertises to
     * the group), so a starting instance is reachable before it can answer reads: it says so with
     * 503 and Retry-After, as during a rebalance, never with a server error.
     */
    @Test
    void answersReadsWith503AndRetryAfterWhileKafkaStreamsHasNotStarted() throws Exception {
        Settings starting = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state-starting"), "tally-http-starting", 4)
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(5), 4096));
        List<String> reads = List.of("/v1/wallets/h1", "/v1/wallets/h1/balance", "/v1/wallets/h1/balance/transactions",
                "/v1/wallets?prefix=h", "/v1/analytics/wallets/balance?period=day&last=2");
        try (TallyMetrics metrics = new TallyMetrics();
             HttpApi http = HttpApi.bind(starting, broker.bootstrapServers(), 4, metrics)) {
            assertEveryReadIsUnavailable(http.port(), reads, "before Kafka Streams exists");
            KafkaStreams streams = new KafkaStreams(
                    TallyTopology.build(new Ledger(starting.resources(), starting.maxPendingPerRecord()),
                            starting.dedupeHorizon(), starting.maxCommandBytes(), starting.analytics()),
                    StreamsProperties.of(starting, broker.bootstrapServers(), "127.0.0.1:" + http.port(), 4));
            try {
                http.attach(streams, new io.tally.stream.AppliedOffsets());
                assertThat(streams.state()).isEqualTo(KafkaStreams.State.CREATED);
                assertEveryReadIsUnavailable(http.port(), reads, "Kafka Streams attached, not started");
            } finally {
                streams.close(Duration.ofSeconds(10));
            }
        }
    }

    /**
     * A write Kafka does not confirm is answered 503 with Retry-After within the sync timeout, sync or
     * async, never a server error, and carries its txId to retry with: "could not be written" when
     * the producer refused it (here: its topic unknown), "may still be written" when it was taken
     * and not acknowledged (here: the only broker stopped).
     */
    @Test
    void answersAWriteKafkaDoesNotConfirmWith503RetryAfterAndItsTxId() throws Exception {
        EmbeddedKafka gone = EmbeddedKafka.start(dir.resolve("kafka-gone"), 0);
        // Without rebootstrapping, the producer keeps the topic's metadata once its broker is gone, so
        // it takes the commands and they wait for an acknowledgement that does not come.
        Path clientProperties = java.nio.file.Files.writeString(dir.resolve("no-rebootstrap.properties"),
                "metadata.recovery.strategy=none\n");
        Settings noBroker = KafkaFixture.settings(gone.bootstrapServers(), dir.resolve("state-no-broker"), "tally-http-no-broker", 4,
                        Map.of("kafkaPropertiesFile", clientProperties.toString()))
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(2), 4096));
        try (gone; TallyMetrics metrics = new TallyMetrics();
             HttpApi http = HttpApi.bind(noBroker, gone.bootstrapServers(), 4, metrics)) {
            assertUnconfirmedWrites(http.port(), "could not be written", "no tally.commands topic");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, gone.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TallyTopics.COMMANDS, 4, (short) 1))).all().get();
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(write(http.port(), "async", "u-warm").statusCode()).isEqualTo(202));
            gone.stop();
            assertUnconfirmedWrites(http.port(), "may still be written", "broker stopped");
        }
    }

    /**
     * A stopping instance answers the requests it holds before it stops: a sync write waiting for its
     * commit gets its answer, here the 504 with its txId (a change to a wallet never created waits for
     * the create), not a reset connection that would leave its client not knowing what happened. A
     * request arriving meanwhile on an open connection is answered 503 with Retry-After, as by an
     * instance that cannot answer. Live change streams end at once rather than holding the stop.
     */
    @Test
    void aStoppingInstanceAnswersTheSyncWritesItHoldsAndEndsLiveChangeStreams() throws Exception {
        Duration syncTimeout = Duration.ofSeconds(4);
        Settings settings = KafkaFixture.settings(broker.bootstrapServers(), dir.resolve("state-stopping"), "tally-http-stopping", 4)
                .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", syncTimeout, 4096));
        TallyMetrics metrics = new TallyMetrics();
        HttpApi http = HttpApi.bind(settings, broker.bootstrapServers(), 4, metrics);
        String origin = "http://127.0.0.1:" + http.port();
        HttpResponse<java.util.stream.Stream<String>> changes = CLIENT.send(HttpRequest.newBuilder(URI.create(origin + "/v1/changes"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(changes.statusCode()).isEqualTo(200);
        long before = commandsWritten();
        var waiting = CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(origin + "/v1/wallets/never-created/balance/add?mode=sync"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").header("Idempotency-Key", "stop-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"1\"}")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(30)).until(() -> commandsWritten() > before);
        assertThat(metrics.scrape()).as("the stream and the write are in progress").contains("tally_http_requests_active 2.0");

        // Its own client, so that its one connection, open before the stop, is the one it asks on during it.
        HttpClient keptAlive = HttpClient.newHttpClient();
        HttpRequest live = HttpRequest.newBuilder(URI.create(origin + "/health/live")).timeout(Duration.ofSeconds(30)).build();
        assertThat(keptAlive.send(live, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        long started = System.nanoTime();
        var closed = java.util.concurrent.CompletableFuture.runAsync(http::close);
        HttpResponse<String> refused = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> keptAlive.send(live, HttpResponse.BodyHandlers.ofString()), response -> response.statusCode() == 503);
        closed.get(30, java.util.concurrent.TimeUnit.SECONDS);
        Duration closing = Duration.ofNanos(System.nanoTime() - started);
        metrics.close();
        assertThat(refused.headers().firstValue("Retry-After")).as("a request during the stop: " + refused.body()).isPresent();
        assertThat(json(refused).get("error").asText()).isEqualTo("UNAVAILABLE");

        HttpResponse<String> answer = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(504);
        assertThat(json(answer).get("error").asText()).isEqualTo("TIMEOUT");
        assertThat(json(answer).get("txId").asText()).isEqualTo("stop-1");
        assertThatCode(() -> changes.body().toList()).as("the live-change stream ended, not reset").doesNotThrowAnyException();
        assertThat(closing).as("the stop waited for the write, not for the open stream until its own timeout")
                .isLessThan(syncTimeout.plusSeconds(2));
    }

    /**
     * Sync writes and sync transfers wait for their outcomes without holding a server thread, so
     * how many may wait at once is not bounded by the server's threads. Nothing consumes the
     * commands on this broker (the attached streams read another topic, like a stream far behind):
     * every one waits until its sync timeout and is answered 504.
     */
    @Test
    void syncWritesAndTransfersWaitWithoutHoldingAServerThread() throws Exception {
        int each = 6;
        try (EmbeddedKafka idle = EmbeddedKafka.start(dir.resolve("kafka-idle"), 0);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, idle.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TallyTopics.COMMANDS, 4, (short) 1),
                    new NewTopic(TallyTopics.TRANSACTIONS, 4, (short) 1), new NewTopic(TallyTopics.REJECTIONS, 4, (short) 1),
                    new NewTopic("elsewhere", 1, (short) 1))).all().get();
            Settings settings = KafkaFixture.settings(idle.bootstrapServers(), dir.resolve("state-idle"), "tally-http-idle", 4)
                    .withHttp(new HttpSettings(true, "127.0.0.1", 0, "", Duration.ofSeconds(15), 4096));
            org.apache.kafka.streams.StreamsBuilder elsewhere = new org.apache.kafka.streams.StreamsBuilder();
            elsewhere.stream("elsewhere", org.apache.kafka.streams.kstream.Consumed.with(
                    org.apache.kafka.common.serialization.Serdes.String(), org.apache.kafka.common.serialization.Serdes.String()));
            try (TallyMetrics metrics = new TallyMetrics();
                 HttpApi http = HttpApi.bind(settings, idle.bootstrapServers(), 4, metrics);
                 KafkaStreams streams = new KafkaStreams(elsewhere.build(),
                         StreamsProperties.of(settings, idle.bootstrapServers(), "127.0.0.1:" + http.port(), 4))) {
                http.attach(streams, new io.tally.stream.AppliedOffsets());
                streams.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
                String origin = "http://127.0.0.1:" + http.port();
                // An async write first, so the producer has the topic's metadata and no handler waits for it below.
                assertThat(CLIENT.send(HttpRequest.newBuilder(URI.create(origin + "/v1/wallets/warm/balance/add?mode=async"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"1\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).until(() -> gauge(metrics, "tally_http_requests_active") == 0);
                double busyIdle = gauge(metrics, "jetty_threads_busy");
                List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> waiting = new java.util.ArrayList<>();
                for (int i = 0; i < each; i++) {
                    waiting.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(origin + "/v1/transfers"))
                            .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(transferBody("i" + i, "j" + i, "1"))).build(),
                            HttpResponse.BodyHandlers.ofString()));
                    waiting.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(origin + "/v1/wallets/i" + i + "/balance/add"))
                            .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"1\"}")).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> gauge(metrics, "tally_http_requests_active") == 2 * each);
                // Held threads would stay busy until the sync timeout (15 s); handing the wait on frees them at once.
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(gauge(metrics, "jetty_threads_busy") - busyIdle)
                        .as("server threads held by %d waiting requests", 2 * each).isLessThan(each / 2.0));

                for (var answer : waiting) {
                    HttpResponse<String> response = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
                    assertThat(json(response).get("error").asText()).isEqualTo("TIMEOUT");
                    if (json(response).has("transferId")) {
                        assertThat(json(response).get("state").asText()).isEqualTo("pending");
                    }
                }
                assertThat(waiting.stream().filter(answer -> answer.join().body().contains("transferId"))).hasSize(each);
            }
        }
    }

    private static double gauge(TallyMetrics metrics, String name) {
        return metrics.scrape().lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(name.length() + 1)))
                .orElseThrow(() -> new AssertionError("no gauge " + name));
    }

    private static void assertUnconfirmedWrites(int port, String saying, String when) throws Exception {
        for (String mode : List.of("sync", "async")) {
            String key = "u-" + mode + "-" + when.replace(' ', '-');
            long started = System.nanoTime();
            HttpResponse<String> answer = write(port, mode, key);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            String as = when + ", " + mode + " write answered " + answer.body();
            assertThat(answer.statusCode()).as(as).isEqualTo(503);
            assertThat(answer.headers().firstValue("Retry-After")).as(as).isPresent();
            assertThat(answer.headers().firstValue("Tally-Consistency-Token")).as(as).isEmpty();
            JsonNode body = json(answer);
            assertThat(body.get("error").asText()).as(as).isEqualTo("UNAVAILABLE");
            assertThat(body.get("message").asText()).as(as).contains(saying);
            assertThat(body.get("txId").asText()).as(as).isEqualTo(key);
            assertThat(took).as(when + ", " + mode + ": answered after the 2 s sync timeout, not the producer's minute")
                    .isLessThan(Duration.ofSeconds(20));
        }
    }

    private static HttpResponse<String> write(int port, String mode, String idempotencyKey) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/wallets/u1/balance/add?mode=" + mode))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"1\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertEveryReadIsUnavailable(int port, List<String> paths, String when) throws Exception {
        for (String path : paths) {
            HttpResponse<String> answer = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(when + ": GET " + path + " answered " + answer.body()).isEqualTo(503);
            assertThat(answer.headers().firstValue("Retry-After")).as(when + ": Retry-After of GET " + path).isPresent();
            assertThat(json(answer).get("error").asText()).isEqualTo("UNAVAILABLE");
        }
    }

    private static long commandsWritten() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, 4).boxed().collect(Collectors.toMap(
                    p -> new TopicPartition(TallyTopics.COMMANDS, p), p -> OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(info -> info.offset()).sum();
        }
    }
}
