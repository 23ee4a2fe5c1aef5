package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.stream.Json;
import io.tally.stream.StreamsPartialStores.IncompleteException;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Server-side calls to the other instances of the deployment, only ever at hosts Kafka Streams'
 * metadata names, with the deployment's read token (the caller was authenticated where it came in). A forwarded request carries {@link #HEADER}, so an instance that is no longer
 * the owner answers 503 instead of forwarding again.
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

    /** Sends the request on to the owner and returns its answer as is. */
    HttpResponse<byte[]> forward(HostInfo host, String method, String pathAndQuery, byte[] body, String contentType) {
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
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IncompleteException("instance " + host.host() + ":" + host.port() + " did not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IncompleteException("interrupted while asking " + host.host() + ":" + host.port());
        }
    }

    /** A JSON answer of another instance; anything but 200 makes the query incomplete. */
    JsonNode getJson(HostInfo host, String pathAndQuery) {
        HttpResponse<byte[]> response = forward(host, "GET", pathAndQuery, null, null);
        if (response.statusCode() != 200) {
            throw new IncompleteException("instance " + host.host() + ":" + host.port() + " answered "
                    + response.statusCode() + " to " + pathAndQuery);
        }
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IncompleteException("instance " + host.host() + ":" + host.port() + " sent unreadable JSON: " + e);
        }
    }

    private static URI uri(HostInfo host, String pathAndQuery) {
        return URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
    }
}
