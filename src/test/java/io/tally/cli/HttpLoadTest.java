package io.tally.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The load generator against a JDK server on a free port of 127.0.0.1. */
class HttpLoadTest {
    private static final String BODY = "{\"amount\":\"1.25\"}";

    private final Map<String, Integer> bodies = new ConcurrentHashMap<>();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private HttpServer server;
    private URI base;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/ok", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.merge(exchange.getRequestMethod() + " " + body, 1, Integer::sum);
            answer(exchange, 200, "{}");
        });
        server.createContext("/missing", exchange -> answer(exchange, 404, "{\"error\":\"NOT_FOUND\"}"));
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void anOpenLoopSendsEveryScheduledPostOnKeptAliveConnections() throws InterruptedException {
        HttpLoad.Outcome outcome;
        try (HttpLoad load = new HttpLoad()) {
            outcome = load.openLoop(200, Duration.ofSeconds(1),
                    i -> HttpLoad.Request.postJson(base.resolve("/ok"), BODY), quiet(200));
        }

        assertThat(outcome.sent()).isEqualTo(200);
        assertThat(outcome.errors()).isEmpty();
        assertThat(outcome.latencies().count()).isEqualTo(200);
        assertThat(bodies).containsExactly(Map.entry("POST " + BODY, 200));
        assertThat(outcome.p99MsPerWindow()).hasSize(1)
                .allSatisfy(p99 -> assertThat(p99).isEqualTo(outcome.latencies().percentileMs(99)));
        assertThat(clientPorts).as("connections are reused, not opened per request").hasSizeLessThan(100);
        assertThat(outcome.waitedForConnection()).as("an open loop within its connections waits for none").isZero();
    }

    @Test
    void aLeadIsSentOnTheSameScheduleButNeitherTimedNorCounted() throws InterruptedException {
        // Ninety of the lead's hundred requests fail (404): none of that may show in what is reported.
        AtomicInteger made = new AtomicInteger();
        HttpLoad.Outcome outcome;
        try (HttpLoad load = new HttpLoad(null, HttpLoad.CONNECTIONS, Duration.ofSeconds(1))) {
            outcome = load.openLoop(100, Duration.ofSeconds(1), Duration.ofSeconds(1), i -> {
                made.incrementAndGet();
                return HttpLoad.Request.postJson(base.resolve(i < 90 ? "/missing" : "/ok"), BODY);
            }, quiet(200));
        }

        assertThat(made).hasValue(200);
        assertThat(outcome.leadAnswered()).as("the lead's ten successful answers").isEqualTo(10);
        assertThat(outcome.sent()).isEqualTo(100);
        assertThat(outcome.errors()).as("the lead's 404s are not reported").isEmpty();
        assertThat(outcome.latencies().count()).isEqualTo(100);
        assertThat(bodies).containsExactly(Map.entry("POST " + BODY, 110));
        assertThat(outcome.p99MsPerWindow()).as("windows cover the timed requests only").hasSize(1);
        assertThat(outcome.achievedPerSecond()).as("over the timed second, not the lead's too").isGreaterThan(60.0);
    }

    @Test
    void givesTheP99OfEachWindowOfScheduledTimeItIsAskedFor() throws InterruptedException {
        // The server holds the requests of the second second until the last one is scheduled, so the
        // second window's p99 is at least the time that takes; the first window's are answered at once.
        CountDownLatch lastScheduled = new CountDownLatch(1);
        server.createContext("/later", exchange -> {
            try {
                lastScheduled.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "{}");
        });
        HttpLoad.Outcome outcome;
        try (HttpLoad load = new HttpLoad(null, HttpLoad.CONNECTIONS, Duration.ofSeconds(1))) {
            outcome = load.openLoop(50, Duration.ofSeconds(2), i -> {
                if (i == 99) {
                    lastScheduled.countDown();
                }
                return HttpLoad.Request.postJson(base.resolve(i < 50 ? "/ok" : "/later"), BODY);
            }, quiet(100));
        }

        assertThat(outcome.errors()).isEmpty();
        assertThat(outcome.p99MsPerWindow()).hasSize(2);
        assertThat(outcome.p99MsPerWindow().get(1)).as("the second's first request waited for its last to be scheduled")
                .isGreaterThanOrEqualTo(900.0).isGreaterThan(outcome.p99MsPerWindow().get(0));
    }

    @Test
    void writesThatFindEveryConnectionBusyAreCountedAndSentWhenOneIsFree() throws InterruptedException {
        // The server holds the first ten requests until the tenth is scheduled: the first four take
        // the four connections, and the six after them find all four busy. The forty after those
        // are sent on the connections freed again.
        int held = 10;
        CountDownLatch lastHeldScheduled = new CountDownLatch(1);
        server.createContext("/held", exchange -> {
            try {
                lastHeldScheduled.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "{}");
        });
        int total = 50;
        HttpLoad.Outcome outcome;
        try (HttpLoad load = new HttpLoad(null, 4, HttpLoad.WINDOW)) {
            outcome = load.openLoop(total / 2, Duration.ofSeconds(2), i -> {
                if (i == held - 1) {
                    lastHeldScheduled.countDown();
                }
                return HttpLoad.Request.postJson(base.resolve("/held"), BODY);
            }, quiet(total));
        }

        assertThat(outcome.errors()).isEmpty();
        assertThat(outcome.latencies().count()).isEqualTo(total);
        // At least the fifth to the ninth waited (the tenth is sent just as the server lets the first
        // four go). A few after the tenth may find the four still busy with those that waited, but
        // were freed connections lost, all but the first four would wait.
        assertThat(outcome.waitedForConnection()).isBetween((long) held - 5, (long) total / 2);
    }

    @Test
    void answersOtherThanSuccessAreCountedByStatusAndLeftOutOfTheLatencies() throws InterruptedException {
        HttpLoad.Outcome outcome;
        try (HttpLoad load = new HttpLoad()) {
            outcome = load.openLoop(100, Duration.ofSeconds(1),
                    i -> HttpLoad.Request.postJson(base.resolve(i % 4 == 0 ? "/missing" : "/ok"), BODY), quiet(100));
        }

        assertThat(outcome.errors()).containsExactly(Map.entry("404", 25L));
        assertThat(outcome.latencies().count()).isEqualTo(75);
    }

    @Test
    void aClosedLoopReadsEachUriInTurn() throws InterruptedException {
        HttpLoad.Outcome outcome;
        try (HttpLoad load = new HttpLoad()) {
            outcome = load.closedLoop(4, 60, List.of(base.resolve("/ok"), base.resolve("/missing")), quiet(60));
        }

        assertThat(outcome.sent()).isEqualTo(60);
        assertThat(outcome.latencies().count()).isEqualTo(30);
        assertThat(outcome.errors()).containsExactly(Map.entry("404", 30L));
        assertThat(bodies).containsExactly(Map.entry("GET ", 30));
    }

    @Test
    void aRefusedConnectionIsCountedAsSuch() throws InterruptedException {
        int port = server.getAddress().getPort();
        server.stop(0);
        HttpLoad.Outcome outcome;
        try (HttpLoad load = new HttpLoad()) {
            outcome = load.closedLoop(1, 3, List.of(URI.create("http://127.0.0.1:" + port + "/ok")), quiet(3));
        }

        assertThat(outcome.errors()).containsExactly(Map.entry("connect", 3L));
        assertThat(outcome.latencies().count()).isZero();
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Progress quiet(long total) {
        return new Progress("test", total, new PrintStream(new ByteArrayOutputStream()), false, System::nanoTime);
    }
}
