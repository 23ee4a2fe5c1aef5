package io.tally.cli;

import org.eclipse.jetty.client.DuplexConnectionPool;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.ContentResponse;
import org.eclipse.jetty.client.util.FutureResponseListener;
import org.eclipse.jetty.client.util.BytesRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Pool;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * <p>Requests go out on Jetty's non-blocking {@link HttpClient}, on kept-alive connections: one
 * selector thread reads the answers of every connection. The generator shares the machine with
 * what it measures, so it must cost little. At 2,000 writes/s this takes 14% of a core; the
 * JDK's {@code HttpURLConnection} (a sending thread per request in flight, 1,024 of them) took
 * 42%, two thirds of it in the kernel, and the answers of one commit woke a hundred threads at
 * once; the JDK's {@code HttpClient} had taken 40% of the machine (docs/BENCHMARKS.md).
 */
final class HttpLoad implements AutoCloseable {
    /** More than the service's sync timeout (10s by default), so its 504 is what gets counted. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Requests scheduled but not yet answered; past this a scheduled request is not made and
     * counts as a "client-limit" error rather than delaying the schedule.
     */
    private static final int MAX_IN_FLIGHT = 20_000;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How long an instance may take to give its metrics ({@link #text}). */
    private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(10);
    private static final int MOST_SCRAPED_BYTES = 16 * 1024 * 1024;

    /**
     * Connections per server by default. A request waiting for a free connection still counts from
     * its scheduled time.
     */
    static final int CONNECTIONS = 1024;
    /**
     * Kept-alive connections idle this long are closed by the generator, before a server closes them
     * (Jetty's default, the service's, is 30 s): a request sent on a connection the server is closing
     * fails with an EOF, and Jetty's client does not send it again.
     */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient client;
    /** Sent as {@code Authorization: Bearer} with every request; null sends none. */
    private final String token;
    private final int connections;
    private final Duration window;

    HttpLoad() {
        this(null, CONNECTIONS, WINDOW);
    }

    /**
     * @param connections the most connections open to each server at once
     * @param window      the width of the windows an open loop's p99 is also given for, whole seconds
     */
    HttpLoad(String token, int connections, Duration window) {
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1, got " + connections);
        }
        if (window.toSeconds() < 1 || window.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("the window must be whole seconds, at least 1, got " + window);
        }
        this.token = token == null || token.isBlank() ? null : "Bearer " + token;
        this.connections = connections;
        this.window = window;
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("tally-bench-client");
        threads.setDaemon(true);
        client = new HttpClient();
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(connections);
        // Jetty's default pool looks for an idle connection from the first one on, past every busy
        // one, and once all are busy each request scans them all twice (when it is sent, and when a
        // connection frees up for it): with 1,024 connections that was most of the generator's CPU.
        // Round robin starts past the connection handed out last, where they have been idle longest,
        // and the thread that frees a connection takes it straight back (the pool's per-thread cache)
        // for the next waiting request; requests past the pool wait in openLoop.
        client.getTransport().setConnectionPoolFactory(destination -> new DuplexConnectionPool(destination,
                new Pool<>(Pool.StrategyType.ROUND_ROBIN, connections, true), destination));
        client.setMaxRequestsQueuedPerDestination(MAX_IN_FLIGHT);
        client.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
        client.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        client.setFollowRedirects(false);
        // The load's answers are counted, never read (only metrics are): no gzip to ask for or undo.
        client.getContentDecoderFactories().clear();
        client.setUserAgentField(null);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client: " + e.getMessage(), e);
        }
    }

    /** The width of the windows an open loop's p99 is also given for. */
    Duration window() {
        return window;
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

    /**
     * What one load run saw: latencies of the successful answers, and every other outcome by kind.
     *
     * @param waitedForConnection requests of an open loop that found every connection to their server
     *                            busy and waited for one: from the first of them, answers paced the
     *                            sending, so the loop was closed and its latencies include the wait
     * @param leadAnswered        successful answers to an open loop's untimed lead
     */
    record Outcome(Latencies latencies, long sent, Map<String, Long> errors, double achievedPerSecond,
                   List<Double> p99MsPerWindow, long waitedForConnection, long leadAnswered) {
    }

    /**
     * The width of the windows an open loop's p99 is also given for by default, by scheduled time:
     * transients show.
     */
    static final Duration WINDOW = Duration.ofSeconds(10);

    /**
     * Sends {@code rate × duration} requests made by {@code request} at evenly spaced scheduled
     * times, and waits for every answer (or its timeout).
     */
    Outcome openLoop(int rate, Duration duration, IntFunction<Request> request, Progress progress)
            throws InterruptedException {
        return openLoop(rate, Duration.ZERO, duration, request, progress);
    }

    /**
     * As {@link #openLoop(int, Duration, IntFunction, Progress)} for {@code lead} and then
     * {@code duration} in one schedule, of which only the requests scheduled after the lead are
     * timed, counted and reported (of the lead's, only how many were answered). Timing after an
     * untimed lead at the same rate, with no pause between them, measures the rate held, not the
     * step from idle to it.
     */
    Outcome openLoop(int rate, Duration lead, Duration duration, IntFunction<Request> request, Progress progress)
            throws InterruptedException {
        int untimed = (int) (rate * lead.toMillis() / 1000);
        int total = untimed + (int) Math.max(1, rate * duration.toMillis() / 1000);
        // By request, in schedule order; -1 for a request that got no successful answer.
        long[] nanos = new long[total];
        Arrays.fill(nanos, -1);
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger leadAnswered = new AtomicInteger();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        // What the lead's requests met is not reported, as an untimed warm-up's is not.
        Map<String, LongAdder> leadErrors = new ConcurrentHashMap<>();
        Semaphore outstanding = new Semaphore(MAX_IN_FLIGHT);
        CountDownLatch answered = new CountDownLatch(total);
        AtomicLong lastAnswer = new AtomicLong();
        // Connections to each server (host and port), handed out here so requests past the pool wait in
        // order without making the client's pool look for a free connection that is not there.
        Map<String, Slots> slots = new ConcurrentHashMap<>();
        long waitedForConnection = 0;
        long start = System.nanoTime() + 1_000_000;
        long timedStart = start + (long) (untimed * 1e9 / rate);
        for (int i = 0; i < total; i++) {
            long scheduled = start + (long) (i * 1e9 / rate);
            for (long wait = scheduled - System.nanoTime(); wait > 0; wait = scheduled - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            boolean timed = i >= untimed;
            Map<String, LongAdder> failures = timed ? errors : leadErrors;
            if (!outstanding.tryAcquire()) {
                count(failures, "client-limit");
                answered.countDown();
                continue;
            }
            int index = i;
            Request made = request.apply(i);
            Slots toServer = slots.computeIfAbsent(made.uri().getRawAuthority(), server -> new Slots(connections));
            Attempt attempt = () -> {
                // The request's timeout counts from its scheduled time, waiting for a connection included.
                long left = REQUEST_TIMEOUT.toNanos() - (System.nanoTime() - scheduled);
                if (left <= 0) {
                    count(failures, "timeout");
                    outstanding.release();
                    answered.countDown();
                    return false;
                }
                newRequest(made, left).send(result -> {
                    try {
                        long now = System.nanoTime();
                        if (result.isFailed()) {
                            count(failures, kind(result.getFailure()));
                        } else {
                            int status = result.getResponse().getStatus();
                            if (status / 100 != 2) {
                                count(failures, String.valueOf(status));
                            } else if (timed) {
                                nanos[index] = now - scheduled;
                                recorded.incrementAndGet();
                            } else {
                                leadAnswered.incrementAndGet();
                            }
                            if (timed) {
                                lastAnswer.accumulateAndGet(now, Math::max);
                            }
                        }
                    } finally {
                        outstanding.release();
                        answered.countDown();
                        toServer.released();
                    }
                });
                return true;
            };
            if (!toServer.take(attempt)) {
                if (timed) {
                    waitedForConnection++;
                }
            } else if (!attempt.send()) {
                toServer.released();
            }
            progress.update(i + 1);
        }
        if (!answered.await(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
            // Timed requests with neither an answer nor a failure counted (the lead's are not reported).
            long unanswered = total - untimed - recorded.get() - errors.values().stream().mapToLong(LongAdder::sum).sum();
            if (unanswered > 0) {
                errors.computeIfAbsent("unanswered", k -> new LongAdder()).add(unanswered);
            }
        }
        progress.done();
        double seconds = Math.max(1e-9, (lastAnswer.get() - timedStart) / 1e9);
        List<Double> windows = new ArrayList<>();
        int perWindow = (int) Math.max(1, rate * window.toMillis() / 1000);
        for (int from = untimed; from < total; from += perWindow) {
            windows.add(answered(nanos, from, Math.min(total, from + perWindow)).percentileMs(99));
        }
        return new Outcome(answered(nanos, untimed, total), total - untimed, sorted(errors),
                Math.round(recorded.get() / seconds * 10) / 10.0, windows, waitedForConnection, leadAnswered.get());
    }

    /** A request of an open loop, on its way: false if it waited out its timeout and was not sent. */
    @FunctionalInterface
    private interface Attempt {
        boolean send();
    }

    /**
     * The connections to one server: a request takes one or waits, in order, for one to be freed.
     * Whoever frees a connection sends the first waiting request on it.
     */
    private static final class Slots {
        private final int connections;
        private final ArrayDeque<Attempt> waiting = new ArrayDeque<>();
        private int busy;

        Slots(int connections) {
            this.connections = connections;
        }

        /** True if {@code attempt} may be sent now; otherwise it waits for {@link #released()}. */
        synchronized boolean take(Attempt attempt) {
            if (busy < connections) {
                busy++;
                return true;
            }
            waiting.add(attempt);
            return false;
        }

        /** A connection is free: the first waiting request that is still in time is sent on it. */
        void released() {
            for (Attempt next = next(); next != null; next = next()) {
                if (next.send()) {
                    return;
                }
            }
        }

        private synchronized Attempt next() {
            Attempt next = waiting.poll();
            if (next == null) {
                busy--;
            }
            return next;
        }
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
                            int status = newRequest(made).send().getStatus();
                            if (status == 200) {
                                nanos[recorded.getAndIncrement()] = System.nanoTime() - sent;
                            } else {
                                count(errors, String.valueOf(status));
                            }
                        } catch (ExecutionException e) {
                            count(errors, kind(e.getCause()));
                        } catch (TimeoutException e) {
                            count(errors, kind(e));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
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
                Math.round(recorded.get() / seconds * 10) / 10.0, List.of(), 0, 0);
    }

    /**
     * The body of a GET that must answer 200, within {@link #SCRAPE_TIMEOUT}: an instance's
     * {@code /metrics}, which with every Kafka client's metrics may pass Jetty's default 2 MB.
     *
     * @throws IllegalStateException with the status, or why there was none
     */
    String text(URI uri) {
        org.eclipse.jetty.client.api.Request request = newRequest(Request.get(uri), SCRAPE_TIMEOUT.toNanos());
        FutureResponseListener answer = new FutureResponseListener(request, MOST_SCRAPED_BYTES);
        request.send(answer);
        try {
            ContentResponse response = answer.get(SCRAPE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (response.getStatus() != 200) {
                throw new IllegalStateException("answered " + response.getStatus());
            }
            return response.getContentAsString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            request.abort(e);
            throw new IllegalStateException(e.getCause() == null ? e.toString() : e.getCause().toString());
        }
    }

    private org.eclipse.jetty.client.api.Request newRequest(Request request) {
        return newRequest(request, REQUEST_TIMEOUT.toNanos());
    }

    private org.eclipse.jetty.client.api.Request newRequest(Request request, long timeoutNanos) {
        org.eclipse.jetty.client.api.Request made = client.newRequest(request.uri())
                .timeout(timeoutNanos, TimeUnit.NANOSECONDS);
        if (token != null) {
            made.headers(headers -> headers.put(HttpHeader.AUTHORIZATION, token));
        }
        if (request.body() != null) {
            made.method(HttpMethod.POST).body(new BytesRequestContent("application/json", request.body()));
        }
        return made;
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            // closing: nothing is left to answer
        }
    }

    private static String kind(Throwable error) {
        if (error instanceof TimeoutException || error instanceof SocketTimeoutException) {
            return "timeout";
        }
        if (error instanceof ConnectException) {
            return "connect";
        }
        return "io:" + error.getClass().getSimpleName();
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
