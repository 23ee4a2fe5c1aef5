package io.tally.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads records known to exist from every instance being served, over and over, while the test
 * changes the deployment. An answer may be 200, or 503 with {@code Retry-After} while the instance
 * starts or the group rebalances; anything else (a false 404 above all) is a violation. An
 * instance that cannot be reached at all (not listening yet, or going away) is counted, not
 * judged: whether it runs is what the test checks elsewhere.
 */
final class ReadProbe implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<String> paths;
    private final Map<String, Integer> serving = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, AtomicInteger>> answers = new ConcurrentHashMap<>();
    private final AtomicInteger unreachable = new AtomicInteger();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Unavailable> unavailable = new CopyOnWriteArrayList<>();
    private final long began;
    private final Random random = new Random(3);
    private final ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "read-probe");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param paths GET paths of records that exist throughout, e.g. {@code /v1/wallets/w1}
     * @param began the test's start ({@link System#nanoTime()}), which times are reported from
     */
    ReadProbe(List<String> paths, long began) {
        this.paths = List.copyOf(paths);
        this.began = began;
    }

    ReadProbe start(Duration every) {
        reader.scheduleWithFixedDelay(this::readEach, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reads from this instance from now on (it may still be starting). */
    void serve(String name, int port) {
        serving.put(name, port);
    }

    /** Stops reading from this instance: call before it is stopped or killed. */
    void withdraw(String name) {
        serving.remove(name);
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    /** Per instance, how many reads answered each status. */
    Map<String, Map<Integer, Integer>> answers() {
        Map<String, Map<Integer, Integer>> copy = new TreeMap<>();
        answers.forEach((name, statuses) -> {
            Map<Integer, Integer> counts = new TreeMap<>();
            statuses.forEach((status, count) -> counts.put(status, count.get()));
            copy.put(name, counts);
        });
        return copy;
    }

    /** A 503 answer: which instance, when (ms since the test began), and why. */
    record Unavailable(String instance, long atMillis, String body) {
    }

    /**
     * The stretches of time during which an instance answered 503, one line each: when, how many
     * answers, and the reason of the first; answers less than two seconds apart share a stretch.
     */
    List<String> unavailableStretches() {
        Map<String, List<Unavailable>> byInstance = new TreeMap<>();
        unavailable.forEach(answer -> byInstance.computeIfAbsent(answer.instance(), name -> new ArrayList<>()).add(answer));
        List<String> stretches = new ArrayList<>();
        byInstance.forEach((name, answers) -> {
            int first = 0;
            for (int i = 1; i <= answers.size(); i++) {
                if (i == answers.size() || answers.get(i).atMillis() - answers.get(i - 1).atMillis() > 2000) {
                    stretches.add(String.format("%s: 503 from %.1fs to %.1fs (%d answers), e.g. %s", name,
                            answers.get(first).atMillis() / 1000.0, answers.get(i - 1).atMillis() / 1000.0, i - first,
                            answers.get(first).body()));
                    first = i;
                }
            }
        });
        return stretches;
    }

    int unreachable() {
        return unreachable.get();
    }

    @Override
    public void close() {
        reader.shutdownNow();
        try {
            reader.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readEach() {
        for (Map.Entry<String, Integer> instance : new ArrayList<>(serving.entrySet())) {
            String path = paths.get(random.nextInt(paths.size()));
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.getValue() + path))
                    .timeout(Duration.ofSeconds(30)).GET().build();
            HttpResponse<String> answer;
            try {
                answer = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                unreachable.incrementAndGet();
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            int status = answer.statusCode();
            answers.computeIfAbsent(instance.getKey(), name -> new ConcurrentHashMap<>())
                    .computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            boolean retryAfter = answer.headers().firstValue("Retry-After").isPresent();
            if (status == 503) {
                unavailable.add(new Unavailable(instance.getKey(), (System.nanoTime() - began) / 1_000_000, answer.body()));
            }
            if (status != 200 && !(status == 503 && retryAfter)) {
                violations.add(instance.getKey() + " GET " + path + " answered " + status
                        + (status == 503 ? " without Retry-After" : "") + ": " + answer.body());
            }
        }
    }
}
