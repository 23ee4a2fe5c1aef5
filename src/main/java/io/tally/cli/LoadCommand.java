package io.tally.cli;

import io.tally.ledger.RecordKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The HTTP part of {@code tally bench} against a deployment that is already running: the load
 * generator on its own machine, the service and its Kafka cluster on theirs. It creates its
 * records ({@code load-0}, {@code load-1}, …; ones that exist are used as they are), warms up,
 * offers sync adds of 0.01 at each rate spread over the given instances, then reads the records
 * back, the first {@value HttpBench#READ_WARM_UP} reads untimed. Each write changes a balance:
 * point it at a resource kept for the purpose.
 */
@Command(name = "load", description = "Offer sync writes and reads to a running deployment's REST API and report "
        + "their latency. Each write adds 0.01 to a record load-N of --resource: use one kept for the purpose.",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the figures were measured (errors by status are among them)",
                "1:the records could not be created: the reason is on standard error",
                "2:the options are wrong"})
final class LoadCommand implements Callable<Integer> {
    static final String ID_PREFIX = "load-";
    private static final int CREATE_CONCURRENCY = 8;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", split = ",", required = true, description = "REST API of each instance to spread the "
            + "requests over, comma-separated, e.g. http://tally-0.tally:8080,http://tally-1.tally:8080.")
    List<String> urls;

    @Option(names = "--token", defaultValue = "${env:TALLY_TOKEN}",
            description = "Bearer token sent as Authorization: a write token (or TALLY_TOKEN).")
    String token;

    @Option(names = "--resource", defaultValue = "wallets", description = "Resource of the records written (default ${DEFAULT-VALUE}).")
    String resource;

    @Option(names = "--field", defaultValue = "balance", description = "Field added to (default ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--records", defaultValue = "1000", description = "Records written, chosen at random (default ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--rates", split = ",", defaultValue = "2000", description = "Offered rates of sync writes, "
            + "requests per second, one after the other (default ${DEFAULT-VALUE}).")
    List<Integer> rates;

    @Option(names = "--seconds", defaultValue = "20", description = "How long each rate is offered (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warm-up-seconds", defaultValue = "120", description = "Untimed writes first, the first half at "
            + HttpBench.WARM_UP_RATE + "/s (or the first rate, if lower), then the other half at each rate, timed straight after "
            + "with no pause (default ${DEFAULT-VALUE}).")
    int warmUpSeconds;

    @Option(names = "--connections", defaultValue = "" + HttpLoad.CONNECTIONS, description = "Most connections open to "
            + "each instance at once, as a client's pool (default ${DEFAULT-VALUE}). A write that finds them all busy waits "
            + "for one, and is counted (httpSyncWriteWaitedForConnection).")
    int connections;

    @Option(names = "--window-seconds", defaultValue = "10", description = "Each rate's p99 is also given for every "
            + "window of this many seconds, by scheduled time (default ${DEFAULT-VALUE}); 1 shows each second.")
    int windowSeconds;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Override
    public Integer call() throws Exception {
        List<URI> bases = bases();
        if (rates.isEmpty() || rates.stream().anyMatch(rate -> rate <= 0) || seconds < 1 || warmUpSeconds < 0
                || records < 1 || connections < 1 || windowSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--rates takes positive rates, --seconds at least 1, "
                    + "--warm-up-seconds at least 0, --records, --connections and --window-seconds at least 1");
        }
        if (!RecordKey.validResource(resource) || !RecordKey.validField(field)) {
            throw new ParameterException(spec.commandLine(), "--resource and --field must be a resource and a field name "
                    + "as the service takes them, got " + resource + " and " + field);
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("instances", bases.size());
        results.put("records", records);
        try (HttpLoad load = new HttpLoad(token, connections, Duration.ofSeconds(windowSeconds))) {
            HttpLoad.Outcome created = load.closedLoop(CREATE_CONCURRENCY, records, i -> HttpLoad.Request.postJson(
                    URI.create(bases.get(i % bases.size()) + recordPath(i)), "{}"), new Progress("create", records));
            Map<String, Long> refused = new LinkedHashMap<>(created.errors());
            // 409: the record exists from an earlier run, and is written to as it is.
            refused.remove("409");
            if (!refused.isEmpty()) {
                spec.commandLine().getErr().println("tally load: creating " + resource + "/" + ID_PREFIX + "N failed: "
                        + refused + " (by status); check --url, --token and that " + resource + " has the field " + field);
                return 1;
            }
            HttpBench.measureWritesAndCosts(load, bases, rates, Duration.ofSeconds(seconds), Duration.ofSeconds(warmUpSeconds),
                    i -> recordPath(i) + "/" + field + "/add", records, results, spec.commandLine().getErr());
            java.util.function.IntFunction<HttpLoad.Request> read = i -> HttpLoad.Request.get(
                    URI.create(bases.get(i % bases.size()) + recordPath(i % records)));
            load.closedLoop(HttpBench.READ_CONCURRENCY, HttpBench.READ_WARM_UP, read,
                    new Progress("warm reads", HttpBench.READ_WARM_UP));
            HttpLoad.Outcome reads = load.closedLoop(HttpBench.READ_CONCURRENCY, HttpBench.READS, read,
                    new Progress("read", HttpBench.READS));
            results.put("httpReadConcurrency", HttpBench.READ_CONCURRENCY);
            results.put("httpReadP50Ms", reads.latencies().percentileMs(50));
            results.put("httpReadP99Ms", reads.latencies().percentileMs(99));
            results.put("httpReadErrors", reads.errors());
        }
        BenchCommand.report(results, spec.commandLine().getOut(), json);
        return 0;
    }

    private String recordPath(int i) {
        return "/v1/" + resource + "/" + ID_PREFIX + i;
    }

    private List<URI> bases() {
        List<URI> bases = new ArrayList<>();
        for (String url : urls) {
            try {
                bases.add(ApiClient.base(url));
            } catch (IllegalArgumentException badUrl) {
                throw new ParameterException(spec.commandLine(), badUrl.getMessage());
            }
        }
        return bases;
    }
}
