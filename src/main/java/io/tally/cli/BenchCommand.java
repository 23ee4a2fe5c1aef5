package io.tally.cli;

import io.tally.Tally;
import io.tally.analytics.AnalyticsQueries;
import io.tally.config.Settings;
import io.tally.kafka.EmbeddedKafka;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * Measures the ledger path: pre-produces a command workload onto a fresh embedded broker, then
 * times Tally consolidating all of it under the configured guarantee (exactly-once by default),
 * and checks that every command came out as exactly one transaction or rejection. Then the
 * analytics query latency, and the REST API of two instances ({@link HttpBench}).
 */
@Command(name = "bench", description = "Benchmark consolidation, analytics queries and the REST API on a fresh embedded broker.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SettingsOptions options;

    @Option(names = "--commands", defaultValue = "1000000", description = "Commands to send (default ${DEFAULT-VALUE}).")
    int commands;

    @Option(names = "--records", defaultValue = "10000", description = "Distinct wallets and counters (default ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--partitions", defaultValue = "12", description = "Partitions per topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Option(names = "--http-rates", split = ",", defaultValue = "2000", description = "Offered rates of sync writes "
            + "over HTTP, requests per second, one after the other (default ${DEFAULT-VALUE}; 0 skips the HTTP phase).")
    List<Integer> httpRates;

    @Option(names = "--http-seconds", defaultValue = "20", description = "How long each HTTP rate is offered (default ${DEFAULT-VALUE}).")
    int httpSeconds;

    @Option(names = "--http-warm-up-seconds", defaultValue = "120", description = "How long untimed sync writes are "
            + "sent before any is timed: the first half at " + HttpBench.WARM_UP_RATE + "/s (or the first rate, if "
            + "lower), then the other half at each rate, timed straight after with no pause, so the JIT has compiled "
            + "the HTTP path and the thread pools have grown (default ${DEFAULT-VALUE}).")
    int httpWarmUpSeconds;

    @Option(names = "--no-floors", description = "Skip Kafka Streams' floor: the least a Streams application does "
            + "with the same commands and settings (read, parse and write one record; then the same with a keyed store).")
    boolean noFloors;

    @Option(names = "--no-http", description = "Skip the HTTP phase.")
    boolean noHttp;

    @Override
    public Integer call() throws Exception {
        boolean http = !noHttp && !httpRates.equals(List.of(0));
        if (http && (httpRates.stream().anyMatch(rate -> rate <= 0) || httpSeconds < 1 || httpWarmUpSeconds < 0)) {
            throw new ParameterException(spec.commandLine(), "--http-rates takes positive rates (or just 0 to skip), "
                    + "--http-seconds at least 1 and --http-warm-up-seconds at least 0");
        }
        if (options.bootstrapServers != null) {
            // Its counts assume topics holding nothing but its own workload, so it brings its own broker.
            throw new ParameterException(spec.commandLine(), "bench runs on a fresh embedded broker of its own; "
                    + "--bootstrap-servers is not supported by bench");
        }
        Path work = Files.createTempDirectory("tally-bench");
        Settings base = options.load();
        Map<String, Object> results = new LinkedHashMap<>();
        boolean accountedFor;
        boolean floorFailed = false;
        try (EmbeddedKafka broker = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            Settings settings = BenchSettings.forBench(base, broker.bootstrapServers(), work, partitions);
            Tally.applyTopics(settings, broker.bootstrapServers());
            Progress progress = new Progress("produce", commands);
            long produceStart = System.nanoTime();
            Workload.produce(broker.bootstrapServers(), commands, records, progress);
            double produceSeconds = seconds(System.nanoTime() - produceStart);
            progress.done();

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                Map<TopicPartition, Long> ends = endOffsets(admin);
                long total = ends.values().stream().mapToLong(Long::longValue).sum();
                System.err.println("limit: a plain consumer reads and parses the same commands");
                double limit = Workload.plainConsumerLimit(broker.bootstrapServers(), total, settings.maxCommandBytes());
                long start = System.nanoTime();
                long secondHalf;
                try (Tally tally = Tally.start(settings)) {
                    GroupRun run = GroupRun.await(admin, settings.applicationId(), total, start,
                            new Progress("consolidate", total));
                    Workload.Counts counts = Workload.countOutputs(broker.bootstrapServers());
                    results.put("commands", commands);
                    results.put("records", records);
                    results.put("partitions", partitions);
                    results.put("guarantee", settings.processingGuarantee());
                    results.put("commitIntervalMs", settings.commitInterval().toMillis());
                    results.put("streamThreads", settings.streamThreads());
                    results.put("produceCommandsPerSecond", Math.round(commands / produceSeconds));
                    results.put("consolidateSeconds", round(run.seconds()));
                    results.put("consolidateCommandsPerSecond", run.overallPerSecond());
                    results.put("steadyCommandsPerSecond", run.steadyPerSecond());
                    secondHalf = run.secondHalfPerSecond();
                    results.put("secondHalfCommandsPerSecond", secondHalf);
                    results.put("plainConsumerLimitPerSecond", Math.round(limit));
                    results.put("secondHalfShareOfLimit", share(secondHalf, limit));
                    // Steadier than a rate on a shared machine: what each command cost each part, in CPU.
                    run.secondHalfCpuMicrosPerCommand().forEach((kind, micros) ->
                            results.put("secondHalfCpuMicrosPerCommand " + kind, micros));
                    results.put("transactions", counts.transactions());
                    results.put("rejections", counts.rejections());
                    accountedFor = counts.transactions() + counts.rejections() == total;
                    results.put("accountedFor", accountedFor);
                    // What each command cost the broker: every topic's log growth (commit markers included) per command.
                    logGrowth(admin, total).forEach((topic, perCommand) -> results.put("logOffsetsPerCommand " + topic, perCommand));
                    memory(results);
                    results.put("analytics", settings.analytics().kept("wallets"));
                    if (settings.analytics().kept("wallets")) {
                        QueryLatency resource = QueryLatency.yearByDay(tally.analytics(),
                                AnalyticsQueries.Subject.resource("wallets", "balance"));
                        QueryLatency record = QueryLatency.yearByDay(tally.analytics(),
                                AnalyticsQueries.Subject.record("wallets", "balance", "w1"));
                        results.put("yearByDayBuckets", resource.rows());
                        results.put("yearByDayResourceP50Ms", resource.p50Ms());
                        results.put("yearByDayResourceP99Ms", resource.p99Ms());
                        results.put("yearByDayResourceMaxMs", resource.maxMs());
                        results.put("yearByDayRecordP50Ms", record.p50Ms());
                        results.put("yearByDayRecordP99Ms", record.p99Ms());
                        QueryLatency top = QueryLatency.topOfToday(tally.analytics(), "wallets", "balance");
                        results.put("topOfTodayRanked", top.rows());
                        results.put("topOfTodayP50Ms", top.p50Ms());
                        results.put("topOfTodayP99Ms", top.p99Ms());
                        results.put("topOfTodaySamples", top.samples());
                    }
                }
                // Kafka Streams' own floor, after Tally so Tally's figures compare with earlier runs:
                // what share of the limit any design on Kafka Streams could reach here.
                if (!noFloors) {
                    try {
                        for (StreamsFloor.Shape shape : StreamsFloor.Shape.values()) {
                            System.err.println("floor: Kafka Streams with Tally's settings, " + shape.label);
                            GroupRun floor = StreamsFloor.run(shape, settings, work, admin, total, partitions);
                            Map<String, Double> cpu = floor.secondHalfCpuMicrosPerCommand();
                            String name = "streamsFloor " + shape.label;
                            results.put(name + " secondHalfPerSecond", floor.secondHalfPerSecond());
                            results.put(name + " shareOfLimit", share(floor.secondHalfPerSecond(), limit));
                            results.put(name + " cpuMicrosPerCommand", cpu.get("process"));
                            results.put(name + " streamThreadMicrosPerCommand", cpu.get("streamThreads"));
                            results.put("secondHalfShareOfFloor " + shape.label, share(secondHalf, floor.secondHalfPerSecond()));
                        }
                    } catch (Exception e) {
                        // Tally's figures still stand; the run fails after printing them.
                        results.put("floorError", String.valueOf(e.getMessage()));
                        floorFailed = true;
                    }
                }
            }
            // Closed cleanly, Tally has flushed its stores: the state directory now holds everything.
            stateSize(settings.stateDir(), (Long) results.get("transactions"), results);
            boolean httpFailed = false;
            if (http) {
                // After the consolidating instance has closed: its checkpointed state seeds both HTTP instances.
                try {
                    HttpBench.run(settings, work, httpRates, Duration.ofSeconds(httpSeconds),
                            Duration.ofSeconds(httpWarmUpSeconds), Math.min(records, commands),
                            results);
                } catch (RuntimeException e) {
                    // The figures measured so far still stand; the run fails after printing them.
                    results.put("httpError", String.valueOf(e.getMessage()));
                    httpFailed = true;
                }
            }
            System.out.println();
            report(results, new java.io.PrintWriter(System.out, true), json);
            return accountedFor && !floorFailed && !httpFailed ? 0 : 1;
        } finally {
            deleteRecursively(work);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(java.util.List.of(TallyTopics.COMMANDS))
                .allTopicNames().get().get(TallyTopics.COMMANDS).partitions().stream()
                .collect(Collectors.toMap(p -> new TopicPartition(TallyTopics.COMMANDS, p.partition()), p -> OffsetSpec.latest()));
        return admin.listOffsets(latest).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /**
     * Heap after a full collection and resident memory. The broker runs in the same JVM here, so
     * they are the broker's and Tally's together.
     */
    private static void memory(Map<String, Object> results) throws java.io.IOException {
        System.gc();
        java.lang.management.MemoryUsage heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        results.put("heapUsedAfterGcMb", heap.getUsed() / (1024 * 1024));
        results.put("heapMaxMb", heap.getMax() / (1024 * 1024));
        Path status = Path.of("/proc/self/status");
        if (Files.isReadable(status)) {
            Files.readAllLines(status).stream().filter(line -> line.startsWith("VmRSS:")).findFirst()
                    .ifPresent(line -> results.put("residentMb", Long.parseLong(line.replaceAll("\\D", "")) / 1024));
        }
    }

    /** The state directory's size, in all and per million transactions. */
    private static void stateSize(Path stateDir, long transactions, Map<String, Object> results) throws java.io.IOException {
        long[] bytes = new long[1];
        Files.walkFileTree(stateDir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attributes) {
                bytes[0] += attributes.size();
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, java.io.IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        results.put("stateDirMb", bytes[0] / (1024 * 1024));
        results.put("stateMbPerMillionTransactions", Math.round(bytes[0] / (1024.0 * 1024) / Math.max(1, transactions) * 1e6));
    }

    private static Map<String, Double> logGrowth(Admin admin, long commands) throws Exception {
        Map<String, org.apache.kafka.clients.admin.TopicDescription> topics = admin.describeTopics(
                admin.listTopics().names().get()).allTopicNames().get();
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        topics.values().forEach(topic -> topic.partitions().forEach(p ->
                latest.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest())));
        Map<String, Long> growth = new java.util.TreeMap<>();
        admin.listOffsets(latest).all().get().forEach((partition, info) ->
                growth.merge(partition.topic(), info.offset(), Long::sum));
        Map<String, Double> perCommand = new LinkedHashMap<>();
        growth.forEach((topic, offsets) -> perCommand.put(topic, Math.round(100.0 * offsets / commands) / 100.0));
        return perCommand;
    }

    /** Prints the results a line each to {@code out}, and writes them as JSON to {@code json} unless it is null. */
    static void report(Map<String, Object> results, java.io.PrintWriter out, Path json) throws java.io.IOException {
        results.forEach((name, value) -> out.printf("%-36s %s%n", name, value));
        out.flush();
        if (json != null) {
            Files.writeString(json, io.tally.stream.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        }
    }

    private static double share(double part, double whole) {
        return Math.round(1000.0 * part / whole) / 1000.0;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
