package io.tally.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
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

    /**
     * Threads that send and wait, each on a kept-alive connection. Blocking sends, not sendAsync:
     * the JDK client completes every sendAsync on CompletableFuture's default executor, which on
     * a machine of two cores starts a new thread per response, and against a handler that answers
     * at once 500 requests a second then queued for seconds in the client (blocking senders: a
     * few milliseconds). The generator would have been measured instead of the service. A request
     * waiting for a free sender still counts from its scheduled time.
     */
    private static final int SENDERS = 1024;

    private final ExecutorService io = Executors.newFixedThreadPool(4, daemon("tally-bench-http"));
    private final ExecutorService senders = Executors.newFixedThreadPool(SENDERS, daemon("tally-bench-sender"));
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(io).build();

    /** What one load run saw: latencies of the successful answers, and every other outcome by kind. */
    record Outcome(Latencies latencies, long sent, Map<String, Long> errors, double achievedPerSecond) {
    }

    /**
     * Sends {@code rate × duration} requests made by {@code request} at evenly spaced scheduled
     * times, and waits for every answer (or its timeout).
     */
    Outcome openLoop(int rate, Duration duration, IntFunction<HttpRequest> request, Progress progress)
            throws InterruptedException {
        int total = (int) Math.max(1, rate * duration.toMillis() / 1000);
        long[] nanos = new long[total];
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
            HttpRequest next = request.apply(i);
            senders.execute(() -> {
                try {
                    HttpResponse<Void> response = client.send(next, HttpResponse.BodyHandlers.discarding());
                    long now = System.nanoTime();
                    if (response.statusCode() / 100 == 2) {
                        nanos[recorded.getAndIncrement()] = now - scheduled;
                    } else {
                        count(errors, String.valueOf(response.statusCode()));
                    }
                    lastAnswer.accumulateAndGet(now, Math::max);
                } catch (IOException e) {
                    count(errors, kind(e));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    count(errors, "interrupted");
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
        return new Outcome(new Latencies(nanos, recorded.get()), total, sorted(errors),
                Math.round(recorded.get() / seconds * 10) / 10.0);
    }

    /** {@code requests} GETs of {@code uris} in turn by {@code concurrency} readers, each waiting for its answer. */
    Outcome closedLoop(int concurrency, int requests, List<URI> uris, Progress progress) throws InterruptedException {
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
                        HttpRequest get = HttpRequest.newBuilder(uris.get(i % uris.size())).timeout(REQUEST_TIMEOUT).build();
                        long sent = System.nanoTime();
                        try {
                            HttpResponse<Void> response = client.send(get, HttpResponse.BodyHandlers.discarding());
                            if (response.statusCode() == 200) {
                                nanos[recorded.getAndIncrement()] = System.nanoTime() - sent;
                            } else {
                                count(errors, String.valueOf(response.statusCode()));
                            }
                        } catch (IOException e) {
                            count(errors, kind(e));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
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
                Math.round(recorded.get() / seconds * 10) / 10.0);
    }

    static HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
    }

    @Override
    public void close() {
        senders.shutdownNow();
        io.shutdownNow();
    }

    private static String kind(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (cause instanceof HttpTimeoutException) {
            return "timeout";
        }
        if (cause instanceof ConnectException) {
            return "connect";
        }
        return cause instanceof IOException ? "io" : cause.getClass().getSimpleName();
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
