package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.stream.Json;
import io.tally.stream.StreamsPartialStores.IncompleteException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Server-side calls to the other instances of the deployment, only ever at hosts Kafka Streams'
 * metadata names, with the deployment's read token (the caller was authenticated where it came in).
 * A forwarded request carries {@link #HEADER}, so an instance that is no longer the owner answers
 * 503 instead of forwarding again.
 *
 * <p>Every call is asynchronous: a request waiting for another instance holds no server thread,
 * so a small server pool is never filled by reads waiting on a slow peer, and two instances
 * forwarding to each other cannot wait on each other's pools.
 */
final class Forwarder {
    static final String HEADER = "X-Tally-Forwarded";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String token;

    /** @param token the read token every instance of the deployment accepts, or empty */
    Forwarder(String token) {
        this.token = token;
    }

    /**
     * Sends the request on to the owner; completes with its answer as is, or with an
     * {@link IncompleteException} (a 503) when it did not answer.
     */
    CompletableFuture<HttpResponse<byte[]>> forward(HostInfo host, String method, String pathAndQuery, byte[] body,
                                                    String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(host, pathAndQuery)).timeout(TIMEOUT)
                .header(HEADER, "1")
                .method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (!token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                .exceptionallyCompose(error -> CompletableFuture.failedFuture(new IncompleteException(
                        "instance " + host.host() + ":" + host.port() + " did not answer: " + HttpApi.unwrap(error))));
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

    private static URI uri(HostInfo host, String pathAndQuery) {
        return URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
    }
}
