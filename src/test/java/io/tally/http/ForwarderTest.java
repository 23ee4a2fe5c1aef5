package io.tally.http;

import io.javalin.Javalin;
import io.tally.stream.StreamsPartialStores.IncompleteException;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Calls to another instance against a real HTTP server standing in for it: bounds, timeouts and answers. */
class ForwarderTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger arrived = new AtomicInteger();
    private Javalin peer;
    private HostInfo host;

    @BeforeEach
    void startPeer() {
        peer = Javalin.create(config -> config.showJavalinBanner = false)
                .get("/slow", ctx -> {
                    arrived.incrementAndGet();
                    release.await(30, TimeUnit.SECONDS);
                    ctx.header(Forwarder.HEADER + "-Seen", String.valueOf(ctx.header(Forwarder.HEADER)));
                    ctx.result("slow answer");
                })
                .get("/json", ctx -> ctx.json(Map.of("pending", 3)))
                .get("/broken", ctx -> ctx.status(500).result("boom"))
                .get("/not-json", ctx -> ctx.result("{\"pending\": "))
                .start("127.0.0.1", 0);
        host = new HostInfo("127.0.0.1", peer.port());
    }

    @AfterEach
    void stopPeer() {
        release.countDown();
        peer.stop();
    }

    @Test
    void callsPastTheThreadsAndTheQueueAreRefusedAtOnceAndTheRestAreAnsweredWhenThePeerIs() {
        try (Forwarder forwarder = new Forwarder("", Duration.ofSeconds(30), 2, 1)) {
            List<CompletableFuture<HttpResponse<byte[]>>> waiting = IntStream.range(0, 3)
                    .mapToObj(i -> forwarder.forward(host, "GET", "/slow", null, null)).toList();
            // Two wait at the peer on the forwarder's two threads; the third is queued.
            await().atMost(Duration.ofSeconds(10)).until(() -> arrived.get() == 2);

            CompletableFuture<HttpResponse<byte[]>> refused = forwarder.forward(host, "GET", "/slow", null, null);

            assertThat(refused).isCompletedExceptionally();
            assertThat(refused).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(IncompleteException.class)
                    .withMessageContaining("too many requests to other instances at once (2 waiting for answers, 1 queued)");
            assertThat(waiting).noneMatch(CompletableFuture::isDone);

            release.countDown();

            for (CompletableFuture<HttpResponse<byte[]>> call : waiting) {
                HttpResponse<byte[]> answer = call.orTimeout(10, TimeUnit.SECONDS).join();
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("slow answer");
                assertThat(answer.headers().firstValue(Forwarder.HEADER + "-Seen")).contains("1");
            }
            assertThat(arrived).hasValue(3);
        }
    }

    @Test
    void aPeerThatDoesNotAnswerWithinTheTimeoutMakesTheCallIncomplete() {
        try (Forwarder forwarder = new Forwarder("", Duration.ofMillis(300), 2, 1)) {
            CompletableFuture<HttpResponse<byte[]>> call = forwarder.forward(host, "GET", "/slow", null, null);

            assertThat(call).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(IncompleteException.class)
                    .withMessageContaining("instance 127.0.0.1:" + peer.port() + " did not answer");
        }
    }

    @Test
    void aJsonAnswerIsReadAndAnythingElseMakesTheQueryIncomplete() {
        try (Forwarder forwarder = new Forwarder("", Duration.ofSeconds(10), 2, 1)) {
            assertThat(forwarder.getJson(host, "/json").orTimeout(10, TimeUnit.SECONDS).join().get("pending").asInt())
                    .isEqualTo(3);
            assertThat(forwarder.getJson(host, "/broken")).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(IncompleteException.class).withMessageContaining("answered 500 to /broken");
            assertThat(forwarder.getJson(host, "/not-json")).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(IncompleteException.class).withMessageContaining("sent unreadable JSON");
        }
    }

    @Test
    void stoppingFailsTheCallsWaitingAndQueuedSoNoRequestWaitsForever() {
        Forwarder forwarder = new Forwarder("", Duration.ofSeconds(30), 1, 1);
        CompletableFuture<HttpResponse<byte[]>> waiting = forwarder.forward(host, "GET", "/slow", null, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> arrived.get() == 1);
        CompletableFuture<HttpResponse<byte[]>> queued = forwarder.forward(host, "GET", "/slow", null, null);

        forwarder.close();

        assertThat(queued).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(IncompleteException.class).withMessage("stopping");
        assertThat(waiting).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(IncompleteException.class).withMessageContaining("interrupted while asking");
    }

    @Test
    void aStoppedForwarderRefusesCallsAsStopping() {
        Forwarder forwarder = new Forwarder("", Duration.ofSeconds(10), 2, 1);
        forwarder.close();

        assertThat(forwarder.forward(host, "GET", "/json", null, null)).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(IncompleteException.class).withMessage("stopping");
    }
}
