package io.tally.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Load on the REST API for the benchmark: an open-loop generator for writes (requests leave on a
 * wall-clock schedule whatever the answers do, and each latency counts from the request's
 * scheduled time, so a slow service shows as latency instead of quietly lowering the offered
 * rate), and a closed loop of a few concurrent readers for reads.
 *
 * <p>Requests go out on the JDK's {@link HttpURLConnection}, on kept-alive connections: the
 * sending thread writes the request and reads the answer itself. The JDK's {@code HttpClient}
 * passes each request through its selector and executor threads as well, and took 40% of this
 * two-core machine at 2,000 writes/s, time the service under test then did not have
 * (docs/BENCHMARKS.md).
 */
final class HttpLoad implements AutoCloseable {
    /** More than the service's sync timeout (10s by default), so its 504 is what gets counted. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Requests scheduled but not yet answered (sending, or waiting for a sender); past this a
     * scheduled request is not made and counts as a "client-limit" error rather than delaying
     * the schedule.
     */
    private static final int MAX_IN_FLIGHT = 20_000;

    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /**
     * Threads that send and wait, each on a kept-alive connection. A request waiting for a free
     * sender still counts from its scheduled time.
     */
    private static final int SENDERS = 1024;

    static {
        // Connections kept alive per server for reuse (the JDK keeps 5 by default, and closed the
        // rest after each answer: a new connection per request at any real concurrency).
        System.setProperty("http.maxConnections", String.valueOf(SENDERS));
    }

    private final ExecutorService senders = Executors.newFixedThreadPool(SENDERS, daemon("tally-bench-sender"));
    /** Sent as {@code Authorization: Bearer} with every request; null sends none. */
    private final String token;

    HttpLoad() {
        this(null);
    }

    HttpLoad(String token) {
        this.token = token == null || token.isBlank() ? null : token;
    }

    /** A request of the load: a GET when {@code body} is null, else a POST of that JSON. */
    record Request(URI uri, byte[] body) {
        static Request get(URI uri) {
            return new Request(uri, null);
        }

        static Request postJson(URI uri, String json) {
            return new Request(uri, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** What one load run saw: latencies of the successful answers, and every other outcome by kind. */
    record Outcome(Latencies latencies, long sent, Map<String, Long> errors, double achievedPerSecond,
                   List<Double> p99MsPerWindow) {
    }

    /** The width of the windows an open loop's p99 is also given for, by scheduled time: transients show. */
    static final Duration WINDOW = Duration.ofSeconds(10);

    /**
     * Sends {@code rate × duration} requests made by {@code request} at evenly spaced scheduled
     * times, and waits for every answer (or its timeout).
     */
    Outcome openLoop(int rate, Duration duration, IntFunction<Request> request, Progress progress)
            throws InterruptedException {
        int total = (int) Math.max(1, rate * duration.toMillis() / 1000);
        // By request, in schedule order; -1 for a request that got no successful answer.
        long[] nanos = new long[total];
        Arrays.fill(nanos, -1);
        AtomicInteger recorded = new AtomicInteger();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        Semaphore outstanding = new Semaphore(MAX_IN_FLIGHT);
        CountDownLatch answered = new CountDownLatch(total);
        AtomicLong lastAnswer = new AtomicLong();
        long start = System.nanoTime() + 1_000_000;
        for (int i = 0; i < total; i++) {
            long scheduled = start + (long) (i * 1e9 / rate);
            for (long wait = scheduled - System.nanoTime(); wait > 0; wait = scheduled - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            if (!outstanding.tryAcquire()) {
                count(errors, "client-limit");
                answered.countDown();
                continue;
            }
            Request next = request.apply(i);
            int index = i;
            senders.execute(() -> {
                try {
                    int status = send(next);
                    long now = System.nanoTime();
                    if (status / 100 == 2) {
                        nanos[index] = now - scheduled;
                        recorded.incrementAndGet();
                    } else {
                        count(errors, String.valueOf(status));
                    }
                    lastAnswer.accumulateAndGet(now, Math::max);
                } catch (IOException e) {
                    count(errors, kind(e));
                } finally {
                    outstanding.release();
                    answered.countDown();
                }
            });
            progress.update(i + 1);
        }
        if (!answered.await(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
            errors.computeIfAbsent("unanswered", k -> new LongAdder()).add(answered.getCount());
        }
        progress.done();
        double seconds = Math.max(1e-9, (lastAnswer.get() - start) / 1e9);
        List<Double> windows = new ArrayList<>();
        int perWindow = (int) Math.max(1, rate * WINDOW.toMillis() / 1000);
        for (int from = 0; from < total; from += perWindow) {
            windows.add(answered(nanos, from, Math.min(total, from + perWindow)).percentileMs(99));
        }
        return new Outcome(answered(nanos, 0, total), total, sorted(errors),
                Math.round(recorded.get() / seconds * 10) / 10.0, windows);
    }

    /** The latencies of the requests {@code from}..{@code to} (exclusive) that were answered. */
    private static Latencies answered(long[] nanos, int from, int to) {
        long[] kept = new long[to - from];
        int count = 0;
        for (int i = from; i < to; i++) {
            if (nanos[i] >= 0) {
                kept[count++] = nanos[i];
            }
        }
        return new Latencies(kept, count);
    }

    /** {@code requests} GETs of {@code uris} in turn by {@code concurrency} readers, each waiting for its answer. */
    Outcome closedLoop(int concurrency, int requests, List<URI> uris, Progress progress) throws InterruptedException {
        return closedLoop(concurrency, requests, i -> Request.get(uris.get(i % uris.size())), progress);
    }

    /** The requests {@code request} makes of 0..{@code requests}-1, sent by {@code concurrency} threads, each waiting for its answer. */
    Outcome closedLoop(int concurrency, int requests, IntFunction<Request> request, Progress progress)
            throws InterruptedException {
        long[] nanos = new long[requests];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger recorded = new AtomicInteger();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        ExecutorService readers = Executors.newFixedThreadPool(concurrency, daemon("tally-bench-reader"));
        long start = System.nanoTime();
        try {
            for (int r = 0; r < concurrency; r++) {
                readers.execute(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        Request made = request.apply(i);
                        long sent = System.nanoTime();
                        try {
                            int status = send(made);
                            if (status == 200) {
                                nanos[recorded.getAndIncrement()] = System.nanoTime() - sent;
                            } else {
                                count(errors, String.valueOf(status));
                            }
                        } catch (IOException e) {
                            count(errors, kind(e));
                        }
                        if (Thread.currentThread().isInterrupted()) {
                            return;
                        }
                    }
                });
            }
            readers.shutdown();
            while (!readers.awaitTermination(200, TimeUnit.MILLISECONDS)) {
                progress.update(Math.min(next.get(), requests));
            }
        } finally {
            readers.shutdownNow();
        }
        progress.done();
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        return new Outcome(new Latencies(nanos, recorded.get()), requests, sorted(errors),
                Math.round(recorded.get() / seconds * 10) / 10.0, List.of());
    }

    /**
     * Sends one request and reads its answer to the end, so that the connection goes back to the
     * JDK's keep-alive cache for the next request of this thread; returns the status.
     */
    private int send(Request request) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) request.uri().toURL().openConnection();
        connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
        connection.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
        if (token != null) {
            connection.setRequestProperty("Authorization", "Bearer " + token);
        }
        if (request.body() != null) {
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", "application/json");
            connection.setFixedLengthStreamingMode(request.body().length);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(request.body());
            }
        }
        int status = connection.getResponseCode();
        InputStream answer = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        if (answer != null) {
            try (answer) {
                answer.transferTo(OutputStream.nullOutputStream());
            }
        }
        return status;
    }

    @Override
    public void close() {
        senders.shutdownNow();
    }

    private static String kind(IOException error) {
        if (error instanceof SocketTimeoutException) {
            return "timeout";
        }
        if (error instanceof ConnectException) {
            return "connect";
        }
        return "io";
    }

    private static void count(Map<String, LongAdder> errors, String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    private static Map<String, Long> sorted(Map<String, LongAdder> errors) {
        Map<String, Long> sorted = new TreeMap<>();
        errors.forEach((kind, count) -> sorted.put(kind, count.sum()));
        return sorted;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger number = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
