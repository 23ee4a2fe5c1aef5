package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.stream.Json;
import io.tally.stream.StreamsPartialStores.IncompleteException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import org.apache.kafka.common.utils.ThreadUtils;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Server-side calls to the other instances of the deployment, only ever at hosts Kafka Streams'
 * metadata names, with the deployment's read token (the caller was authenticated where it came in).
 * A forwarded request carries {@link #HEADER}, so an instance that is no longer the owner answers
 * 503 instead of forwarding again.
 *
 * <p>Calls wait on threads of their own ({@value #THREADS}, with {@value #QUEUED} more calls
 * queued; past that a call fails at once as a 503), never on the server's: a request waiting for
 * another instance holds no server thread, so reads waiting on a slow peer do not keep the server
 * from answering the rest, and two instances forwarding to each other cannot fill each other's
 * pools. A call's answer is handled, and its request answered, on the thread that waited for it.
 * (Not {@code HttpClient.sendAsync}: it completes its futures on the JVM's common pool, a new
 * thread for each on two cores, which made a forwarded read's p50 half again as slow.)
 */
final class Forwarder implements AutoCloseable {
    static final String HEADER = "X-Tally-Forwarded";
    static final int THREADS = 64;
    static final int QUEUED = 1024;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ThreadPoolExecutor asking;
    private final int queued;
    private final String token;
    private final Duration timeout;

    /**
     * @param token   the read token every instance of the deployment accepts, or empty
     * @param timeout how long another instance may take to answer: longer than a read there may
     *                wait for its write
     */
    Forwarder(String token, Duration timeout) {
        this(token, timeout, THREADS, QUEUED);
    }

    /** With {@code threads} waiting for answers at once and {@code queued} more calls before refusing. */
    Forwarder(String token, Duration timeout, int threads, int queued) {
        this.token = token;
        this.timeout = timeout;
        this.queued = queued;
        this.asking = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queued),
                ThreadUtils.createThreadFactory("tally-forwarding", true));
        asking.allowCoreThreadTimeOut(true);
    }

    /**
     * Sends the request on to the owner; completes with its answer as is, or with an
     * {@link IncompleteException} (a 503) when it did not answer.
     */
    CompletableFuture<HttpResponse<byte[]>> forward(HostInfo host, String method, String pathAndQuery, byte[] body,
                                                    String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(host, pathAndQuery)).timeout(timeout)
                .header(HEADER, "1")
                .method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (!token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpRequest built = request.build();
        Call call = new Call(() -> send(host, built));
        try {
            asking.execute(call);
            return call.answer;
        } catch (RejectedExecutionException e) {
            if (asking.isShutdown()) {
                return CompletableFuture.failedFuture(new IncompleteException("stopping"));
            }
            return CompletableFuture.failedFuture(new IncompleteException("too many requests to other instances at once ("
                    + asking.getMaximumPoolSize() + " waiting for answers, " + queued + " queued); retry shortly"));
        }
    }

    private HttpResponse<byte[]> send(HostInfo host, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IncompleteException("instance " + host.host() + ":" + host.port() + " did not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IncompleteException("interrupted while asking " + host.host() + ":" + host.port());
        }
    }

    /** A JSON answer of another instance; anything but 200 makes the query incomplete. */
    CompletableFuture<JsonNode> getJson(HostInfo host, String pathAndQuery) {
        return forward(host, "GET", pathAndQuery, null, null).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new IncompleteException("instance " + host.host() + ":" + host.port() + " answered "
                        + response.statusCode() + " to " + pathAndQuery);
            }
            try {
                return Json.MAPPER.readTree(response.body());
            } catch (IOException e) {
                throw new IncompleteException("instance " + host.host() + ":" + host.port() + " sent unreadable JSON: " + e);
            }
        });
    }

    /**
     * Asks every other instance that has active partitions, all at once; completes with their JSON
     * answers when all have answered, or fails as soon as one cannot.
     */
    CompletableFuture<List<JsonNode>> askOthers(KafkaStreams streams, HostInfo self, String pathAndQuery) {
        List<CompletableFuture<JsonNode>> asked = new ArrayList<>();
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            if (!instance.hostInfo().equals(self) && !instance.topicPartitions().isEmpty()) {
                asked.add(getJson(instance.hostInfo(), pathAndQuery));
            }
        }
        CompletableFuture<List<JsonNode>> answers = CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
                .thenApply(all -> asked.stream().map(CompletableFuture::join).toList());
        // allOf waits for the slowest even after one failed; the first failure answers at once.
        asked.forEach(one -> one.whenComplete((answer, error) -> {
            if (error != null) {
                answers.completeExceptionally(HttpApi.unwrap(error));
            }
        }));
        return answers;
    }

    @Override
    public void close() {
        // Calls waiting for an answer are interrupted and fail; those still queued are failed here.
        for (Runnable queuedCall : asking.shutdownNow()) {
            ((Call) queuedCall).answer.completeExceptionally(new IncompleteException("stopping"));
        }
    }

    /** A call to another instance as its pool runs it: the answer completes on the thread that waited for it. */
    private static final class Call implements Runnable {
        final CompletableFuture<HttpResponse<byte[]>> answer = new CompletableFuture<>();
        private final Supplier<HttpResponse<byte[]>> send;

        Call(Supplier<HttpResponse<byte[]>> send) {
            this.send = send;
        }

        @Override
        public void run() {
            try {
                answer.complete(send.get());
            } catch (Throwable e) {
                answer.completeExceptionally(e);
                if (e instanceof Error error) {
                    throw error;
                }
            }
        }
    }

    private static URI uri(HostInfo host, String pathAndQuery) {
        return URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
    }
}
