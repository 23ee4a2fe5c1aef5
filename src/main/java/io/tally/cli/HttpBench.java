package io.tally.cli;

import io.tally.Tally;
import io.tally.config.Settings;
import io.tally.ledger.RecordKey;
import io.tally.stream.TallyTopics;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * The benchmark's HTTP phase: two instances of one deployment on the benchmark's broker, each
 * with its REST API on a free port of 127.0.0.1, then sync writes at each offered rate (spread
 * over both instances, as a load balancer would) and reads of records the asked instance owns
 * versus records it forwards to the other.
 */
final class HttpBench {
    private static final Duration SPLIT_PATIENCE = Duration.ofSeconds(180);
    /** The warm-up's rate: one this harness sustains cold, so no backlog is left for the first timed rate. */
    static final int WARM_UP_RATE = 500;
    static final int READ_CONCURRENCY = 4;
    /** Untimed reads before the timed ones, so that the first reads' compiling is not timed. */
    static final int READ_WARM_UP = 1_000;
    static final int READS = 5_000;
    private static final int SAMPLE_IDS = 1_000;
    private static final String AMOUNT = "{\"amount\": \"0.01\"}";

    private HttpBench() {
    }

    /**
     * Runs the phase after the consolidating instance has closed: its state is complete and
     * checkpointed in {@code consolidated.stateDir()}, which the first instance reopens.
     *
     * @param wallets how many wallets the workload created (w0, w1, …); the writes add to these
     */
    static void run(Settings consolidated, Path work, List<Integer> rates, Duration perRate, Duration warmUp, int wallets,
                    Map<String, Object> results) throws Exception {
        Path secondState = work.resolve("state-2");
        copyState(consolidated.stateDir(), secondState);
        System.err.println("http: starting two instances and waiting for them to split the partitions");
        long starting = System.nanoTime();
        try (Tally first = Tally.start(BenchSettings.withRestApi(consolidated, consolidated.stateDir()));
             Tally second = Tally.start(BenchSettings.withRestApi(consolidated, secondState));
             HttpLoad load = new HttpLoad()) {
            Split split = awaitSplit(first, second, wallets);
            System.err.printf("http: partitions split %d + %d after %.1fs%n", split.firstPartitions(),
                    split.secondPartitions(), (System.nanoTime() - starting) / 1e9);
            results.put("httpInstances", 2);
            results.put("httpPartitionsSplit", split.firstPartitions() + "+" + split.secondPartitions());
            List<URI> bases = List.of(base(first), base(second));
            measureWrites(load, bases, rates, perRate, warmUp, i -> "/v1/wallets/w" + i + "/balance/add", wallets, results);
            measureReads(load, bases.get(0), split, results);
        }
    }

    /**
     * Sync adds of 0.01 to random records ({@code addPath} of 0..{@code records}-1), alternating
     * between the instances, after the warm-up, at each rate in turn.
     */
    static void measureWrites(HttpLoad load, List<URI> bases, List<Integer> rates, Duration perRate, Duration warmUp,
                              IntFunction<String> addPath, int records, Map<String, Object> results)
            throws InterruptedException {
        measureWrites(load, bases, rates, perRate, warmUp, addPath, records, results, null);
    }

    /**
     * As {@link #measureWrites}, and also what each rate's writes cost the instances and the generator
     * ({@link ProcessCosts}), for instances in processes of their own; {@code err} hears why the
     * instances' costs are left out when they are.
     */
    static void measureWritesAndCosts(HttpLoad load, List<URI> bases, List<Integer> rates, Duration perRate,
                                      Duration warmUp, IntFunction<String> addPath, int records,
                                      Map<String, Object> results, PrintWriter err) throws InterruptedException {
        measureWrites(load, bases, rates, perRate, warmUp, addPath, records, results, err);
    }

    /** @param costs where to say why the instances' costs are left out, or null not to measure costs */
    private static void measureWrites(HttpLoad load, List<URI> bases, List<Integer> rates, Duration perRate,
                                      Duration warmUp, IntFunction<String> addPath, int records,
                                      Map<String, Object> results, PrintWriter costs) throws InterruptedException {
        // Called on the generator's one thread only, so one unsynchronized random is enough.
        SplittableRandom random = new SplittableRandom(20251123L);
        // Appended, not resolved: a base may carry a path prefix (a proxy's mount point), as --url may.
        IntFunction<HttpLoad.Request> add = i -> HttpLoad.Request.postJson(
                URI.create(bases.get(i % bases.size()) + addPath.apply(random.nextInt(records))), AMOUNT);
        // Untimed: in the first timed seconds C2 was still compiling Jetty, the clients and the outcome
        // readers, and the backlog that left made the first rate's figures mostly the JIT's.
        // Its other half is at each timed rate, right before it: a jump from the warm-up's rate
        // straight to a rate grew the server's and the generator's thread pools and connections in
        // the first timed seconds, and C2 compiled again, which showed as a first window of seconds
        // (docs/BENCHMARKS.md). The first half waits for all its answers; each rate's timed seconds
        // follow its lead in the same schedule, with no pause between, so what is timed is the rate
        // held, not the step from idle to it.
        int warmUpRate = Math.min(WARM_UP_RATE, rates.get(0));
        Duration half = warmUp.dividedBy(2);
        Duration lead = warmUp.minus(half);
        if (!half.isZero()) {
            load.openLoop(warmUpRate, half, add, new Progress("warm writes", warmUpRate * half.toSeconds()));
        }
        results.put("httpWarmUpSeconds", warmUp.toSeconds());
        results.put("httpWarmUpPerSecond", half.isZero() ? "none" : warmUpRate + " then each rate for " + lead.toMillis() / 1000.0 + " s");
        for (int rate : rates) {
            // The instances' counters are read before the lead and after the last answer: reading
            // /metrics is work for the instance too (a first read under 5,000 writes/s put the p99
            // of the next seconds at 0.4-2 s), so none is read while the rate is timed. The costs
            // are per write over the lead and the timed writes together, both at this rate.
            ProcessCosts spending = costs == null ? null : ProcessCosts.start(load, bases, costs);
            HttpLoad.Outcome writes = load.openLoop(rate, lead, perRate, add,
                    new Progress("write " + rate + "/s", rate * (lead.toMillis() + perRate.toMillis()) / 1000));
            if (spending != null) {
                spending.finish(writes.latencies().count() + writes.leadAnswered(), rate, results);
            }
            results.put("httpSyncWriteOk_" + rate, writes.latencies().count());
            results.put("httpSyncWriteErrors_" + rate, writes.errors());
            results.put("httpSyncWriteAchievedPerSecond_" + rate, writes.achievedPerSecond());
            results.put("httpSyncWriteP50Ms_" + rate, writes.latencies().percentileMs(50));
            results.put("httpSyncWriteP99Ms_" + rate, writes.latencies().percentileMs(99));
            results.put("httpSyncWriteP999Ms_" + rate, writes.latencies().percentileMs(99.9));
            results.put("httpSyncWriteMaxMs_" + rate, writes.latencies().maxMs());
            results.put("httpSyncWriteP99MsPer" + load.window().toSeconds() + "s_" + rate, writes.p99MsPerWindow());
            results.put("httpSyncWriteWaitedForConnection_" + rate, writes.waitedForConnection());
            if (writes.waitedForConnection() > 0) {
                System.err.printf("http: at %d/s, %,d writes found every connection to their instance busy and waited for "
                        + "one; from then on answers paced the sending (a closed loop), and the latencies include that "
                        + "wait (docs/BENCHMARKS.md, twelfth round)%n", rate, writes.waitedForConnection());
            }
        }
    }

    /** Reads asked of the first instance: of wallets it owns, then of wallets it forwards to the second. */
    private static void measureReads(HttpLoad load, URI first, Split split, Map<String, Object> results)
            throws InterruptedException {
        List<URI> local = new ArrayList<>();
        List<URI> forwarded = new ArrayList<>();
        for (String id : split.sampleIds()) {
            (split.ownedByFirst().contains(id) ? local : forwarded).add(first.resolve("/v1/wallets/" + id));
        }
        load.closedLoop(READ_CONCURRENCY, READ_WARM_UP, local, new Progress("warm local", READ_WARM_UP));
        load.closedLoop(READ_CONCURRENCY, READ_WARM_UP, forwarded, new Progress("warm forward", READ_WARM_UP));
        HttpLoad.Outcome localReads = load.closedLoop(READ_CONCURRENCY, READS, local, new Progress("read local", READS));
        HttpLoad.Outcome forwardedReads = load.closedLoop(READ_CONCURRENCY, READS, forwarded,
                new Progress("read forward", READS));
        results.put("httpReadConcurrency", READ_CONCURRENCY);
        results.put("httpReadLocalP50Ms", localReads.latencies().percentileMs(50));
        results.put("httpReadLocalP99Ms", localReads.latencies().percentileMs(99));
        results.put("httpReadForwardedP50Ms", forwardedReads.latencies().percentileMs(50));
        results.put("httpReadForwardedP99Ms", forwardedReads.latencies().percentileMs(99));
        results.put("httpReadLocalErrors", localReads.errors());
        results.put("httpReadForwardedErrors", forwardedReads.errors());
    }

    /** Which instance owns each sampled wallet, once both run and each is active for some partitions. */
    private record Split(int firstPartitions, int secondPartitions, List<String> sampleIds, Set<String> ownedByFirst) {
    }

    /**
     * Waits until both instances are RUNNING, each is active for some partitions, and the first can
     * name the owner of every sampled wallet; fails after {@link #SPLIT_PATIENCE}.
     */
    private static Split awaitSplit(Tally first, Tally second, int wallets) throws InterruptedException {
        long deadline = System.nanoTime() + SPLIT_PATIENCE.toNanos();
        String firstHost = "127.0.0.1:" + first.httpPort();
        while (System.nanoTime() < deadline) {
            Split split = split(first, second, firstHost, wallets);
            if (split != null) {
                return split;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the two instances did not split the partitions within "
                + SPLIT_PATIENCE.toSeconds() + "s (states " + first.streams().state() + ", " + second.streams().state() + ")");
    }

    private static Split split(Tally first, Tally second, String firstHost, int wallets) {
        if (first.streams().state() != KafkaStreams.State.RUNNING || second.streams().state() != KafkaStreams.State.RUNNING) {
            return null;
        }
        int firstPartitions = 0;
        int secondPartitions = 0;
        for (StreamsMetadata client : first.streams().metadataForAllStreamsClients()) {
            int active = (int) client.topicPartitions().stream().filter(p -> p.topic().equals(TallyTopics.COMMANDS)).count();
            if ((client.hostInfo().host() + ":" + client.hostInfo().port()).equals(firstHost)) {
                firstPartitions = active;
            } else {
                secondPartitions = active;
            }
        }
        if (firstPartitions == 0 || secondPartitions == 0) {
            return null;
        }
        List<String> ids = new ArrayList<>();
        Set<String> ownedByFirst = new java.util.HashSet<>();
        int step = Math.max(1, wallets / SAMPLE_IDS);
        for (int i = 0; i < wallets && ids.size() < SAMPLE_IDS; i += step) {
            String id = "w" + i;
            KeyQueryMetadata owner = first.streams().queryMetadataForKey(TallyTopics.RECORDS_STORE,
                    RecordKey.of("wallets", id), new StringSerializer());
            if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                return null;
            }
            ids.add(id);
            if ((owner.activeHost().host() + ":" + owner.activeHost().port()).equals(firstHost)) {
                ownedByFirst.add(id);
            }
        }
        if (ownedByFirst.isEmpty() || ownedByFirst.size() == ids.size()) {
            return null;
        }
        return new Split(firstPartitions, secondPartitions, ids, ownedByFirst);
    }

    private static URI base(Tally instance) {
        return URI.create("http://127.0.0.1:" + instance.httpPort());
    }

    /**
     * Gives the second instance a copy of the first one's closed, checkpointed state, as if restored
     * from a snapshot. Both then count as caught up on every task, so Kafka Streams' high-availability
     * assignor splits the tasks between them at once; with empty state the second would only warm
     * up, and take tasks over at the next probing rebalance, ten minutes later. The process id file
     * and locks stay behind: each instance must be a distinct member of the group.
     */
    static void copyState(Path from, Path to) {
        Set<String> perInstance = Set.of("kafka-streams-process-metadata", ".lock");
        try (var paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (perInstance.contains(path.getFileName().toString())) {
                    continue;
                }
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the state directory " + from + " to " + to, e);
        }
    }
}
