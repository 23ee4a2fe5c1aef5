package io.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.stream.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CLI's side of the REST API: one request at a time to {@code --url}, the answer's JSON
 * printed as it came. A refusal (4xx) prints the service's {@code {"error", "message"}} on
 * standard error and exits {@link ExitCodes#REFUSED}; a failing or unreachable service exits
 * {@link ExitCodes#UNAVAILABLE}.
 */
final class ApiClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than the service's own sync timeout (10s by default), so its 504 answer arrives rather than ours. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String token;
    private final PrintWriter out;
    private final PrintWriter err;
    // HTTP/1.1: the service is plain HTTP, and an h2c upgrade attempt would only add a round trip.
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();

    ApiClient(String url, String token, PrintWriter out, PrintWriter err) {
        this.base = base(url);
        this.token = token == null || token.isBlank() ? null : token;
        this.out = out;
        this.err = err;
    }

    /** What {@code tally} exits with when it talked to the service; 2 (usage) is picocli's own. */
    static final class ExitCodes {
        static final int DONE = 0;
        static final int REFUSED = 1;
        static final int USAGE = 2;
        static final int UNAVAILABLE = 3;

        /** For the verbs' --help. */
        static Map<String, String> described() {
            Map<String, String> codes = new LinkedHashMap<>();
            codes.put(String.valueOf(DONE), "done; the answer's JSON is on standard output");
            codes.put(String.valueOf(REFUSED), "refused by the service (4xx: e.g. BELOW_MINIMUM, RECORD_NOT_FOUND); "
                    + "its {\"error\", \"message\"} is on standard error");
            codes.put(String.valueOf(USAGE), "bad options or arguments");
            codes.put(String.valueOf(UNAVAILABLE), "the service could not be reached, timed out or failed (5xx)");
            return codes;
        }

        private ExitCodes() {
        }
    }

    /** The service could not be asked at all: nothing answered, or not in time. */
    static final class UnreachableException extends RuntimeException {
        UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A request's path and query; path segments and query values are percent-encoded here. */
    static final class Path {
        private final StringBuilder text = new StringBuilder("/v1");
        private char separator = '?';

        static Path v1(String... segments) {
            Path path = new Path();
            for (String segment : segments) {
                path.text.append('/').append(encode(segment));
            }
            return path;
        }

        /** Adds {@code name=value}, or nothing when the value is null. */
        Path query(String name, Object value) {
            if (value != null) {
                text.append(separator).append(name).append('=').append(encode(String.valueOf(value)));
                separator = '&';
            }
            return this;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    HttpResponse<String> get(Path path) {
        return send("GET", path, null, null);
    }

    HttpResponse<String> delete(Path path, String idempotencyKey) {
        return send("DELETE", path, null, idempotencyKey);
    }

    HttpResponse<String> post(Path path, JsonNode body, String idempotencyKey) {
        return send("POST", path, body == null ? null : body.toString(), idempotencyKey);
    }

    /** Prints the answer where it belongs and returns the exit code it means. */
    int print(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            out.println(response.body());
            out.flush();
            return ExitCodes.DONE;
        }
        err.println(problem(response));
        err.flush();
        return status >= 400 && status < 500 ? ExitCodes.REFUSED : ExitCodes.UNAVAILABLE;
    }

    /** The service's {@code {"error", "message"}} as it sent it, or a line saying what else came back. */
    static String problem(HttpResponse<String> response) {
        String body = response.body() == null ? "" : response.body().strip();
        JsonNode json = parse(body);
        if (json != null && json.isObject() && json.has("error")) {
            return body;
        }
        String excerpt = body.length() > 300 ? body.substring(0, 300) + "…" : body;
        return "tally: HTTP " + response.statusCode() + " from " + response.uri() + (excerpt.isEmpty() ? "" : ": " + excerpt);
    }

    static JsonNode parse(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private HttpResponse<String> send(String method, Path path, String body, String idempotencyKey) {
        URI uri = URI.create(base + path.toString());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new UnreachableException("no answer from " + base + " within " + REQUEST_TIMEOUT.toSeconds()
                    + "s (" + method + " " + path + ")", e);
        } catch (IOException e) {
            throw new UnreachableException("cannot reach the service at " + base + " (" + method + " " + path + "): "
                    + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted while waiting for " + base, e);
        }
    }

    /** The JDK's client often wraps the telling message ("Connection refused") in exceptions without one. */
    private static String reason(Throwable error) {
        if (error instanceof java.net.ConnectException && error.getMessage() == null) {
            return "nothing accepts connections there (connection refused or no route)";
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                return cause.getMessage();
            }
        }
        return error.getClass().getSimpleName();
    }

    /** {@code --url} without a trailing slash; it may carry a path prefix (a proxy's mount point). */
    static URI base(String url) {
        URI uri;
        try {
            uri = URI.create(url.strip().replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url is not a URL: '" + url + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("--url must be http://host:port or https://host, got '" + url + "'");
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("--url takes no query or fragment, got '" + url + "'");
        }
        return uri;
    }

    /** RFC 3986 percent-encoding of everything but unreserved characters, for path segments and query values alike. */
    static String encode(String text) {
        StringBuilder encoded = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                encoded.append(c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return encoded.toString();
    }
}
