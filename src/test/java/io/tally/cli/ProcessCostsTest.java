package io.tally.cli;

import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** Costs read from instances standing in with a real HTTP server and metrics set by each test. */
class ProcessCostsTest {
    private static final String EXPOSITION = """
            # HELP process_cpu_time_ns_total The "cpu time" used by the Java Virtual Machine process
            # TYPE process_cpu_time_ns_total counter
            process_cpu_time_ns_total 1.745E10
            # TYPE jvm_gc_pause_seconds summary
            jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 4
            jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.068
            jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Preventive Collection",gc="G1 Young Generation"} 1 1733400000000
            jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Preventive Collection",gc="G1 Young Generation"} 0.021
            jvm_gc_pause_seconds_max{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.03
            process_cpu_time_ns_total_other 99
            """;

    private final StringWriter err = new StringWriter();
    private final List<Javalin> servers = new ArrayList<>();
    private final Map<String, Object> results = new LinkedHashMap<>();

    @AfterEach
    void stop() {
        servers.forEach(Javalin::stop);
    }

    @Test
    void theCountersAreSummedOverTheirSeriesAndNothingElseIsCounted() {
        ProcessCosts.Counters counters = ProcessCosts.parse(EXPOSITION);

        assertThat(counters.cpuNanos()).isEqualTo(1.745e10);
        assertThat(counters.gcPauses()).isEqualTo(5);
        assertThat(counters.gcPauseSeconds()).isCloseTo(0.089, offset(1e-9));
    }

    @Test
    void metricsWithoutTheProcessCpuTimeAreRefused() {
        assertThatThrownBy(() -> ProcessCosts.parse("jvm_gc_pause_seconds_count 3\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no process_cpu_time_ns_total");
    }

    @Test
    void whatTheInstancesCountersMovedIsDividedByTheWritesAndAnInstanceNamedTwiceCountsOnce() {
        AtomicReference<String> one = new AtomicReference<>(counters(1e9, 10, 0.2));
        AtomicReference<String> other = new AtomicReference<>(counters(4e9, 0, 0));
        URI first = serving(one);
        URI second = serving(other);

        measure(List.of(first, second, first), () -> {
            one.set(counters(1e9 + 2.0e9, 13, 0.26));
            other.set(counters(4e9 + 0.6e9, 0, 0));
        }, 10_000, 5000);

        assertThat(results).containsEntry("httpSyncWriteServiceCpuUsPerWrite_5000", 260.0)
                .containsEntry("httpSyncWriteServiceGcPauses_5000", 3L)
                .containsEntry("httpSyncWriteServiceGcPauseMs_5000", 60.0)
                .containsKey("httpSyncWriteGeneratorCpuUsPerWrite_5000").containsKey("httpSyncWriteCostSeconds_5000");
        assertThat((double) results.get("httpSyncWriteGeneratorCpuUsPerWrite_5000")).isNotNegative();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void anInstanceWhoseCountersWentBackLeavesTheInstancesOutAndSaysWhy() {
        AtomicReference<String> restarting = new AtomicReference<>(counters(9e9, 40, 1.0));
        AtomicReference<String> steady = new AtomicReference<>(counters(1e9, 0, 0));
        URI first = serving(restarting);
        URI second = serving(steady);

        measure(List.of(first, second), () -> {
            restarting.set(counters(2e9, 3, 0.05));
            steady.set(counters(1e9 + 9e9, 0, 0));
        }, 1_000, 40);

        assertThat(results).containsOnlyKeys("httpSyncWriteCostSeconds_40", "httpSyncWriteGeneratorCpuUsPerWrite_40");
        assertThat(err.toString()).contains("the counters of " + first + " went back while 40/s was timed");
    }

    @Test
    void anInstanceWhoseMetricsCannotBeReadLeavesTheInstancesOutAndSaysWhyOnce() {
        URI one = serving(new AtomicReference<>(EXPOSITION));
        Javalin broken = Javalin.create(config -> config.showJavalinBanner = false)
                .get("/metrics", ctx -> ctx.status(503).result("starting")).start("127.0.0.1", 0);
        servers.add(broken);
        URI other = URI.create("http://127.0.0.1:" + broken.port());

        measure(List.of(one, other), () -> { }, 100, 40);

        assertThat(results).containsOnlyKeys("httpSyncWriteCostSeconds_40", "httpSyncWriteGeneratorCpuUsPerWrite_40");
        assertThat(err.toString()).containsOnlyOnce("cannot read " + other + "/metrics (answered 503)")
                .contains("the service's CPU and collector figures are left out");
    }

    @Test
    void withoutSuccessfulWritesThereIsNothingToDivide() {
        URI one = serving(new AtomicReference<>(EXPOSITION));

        measure(List.of(one), () -> { }, 0, 40);

        assertThat(results).isEmpty();
    }

    /** Measures the instances at {@code urls} while {@code meanwhile} moves their counters, for {@code writes} at {@code rate}. */
    private void measure(List<URI> urls, Runnable meanwhile, long writes, int rate) {
        try (HttpLoad load = new HttpLoad()) {
            ProcessCosts costs = ProcessCosts.start(load, urls, new PrintWriter(err, true));
            meanwhile.run();
            costs.finish(writes, rate, results);
        }
    }

    private static String counters(double cpuNanos, long pauses, double pauseSeconds) {
        return "process_cpu_time_ns_total " + cpuNanos + "\n"
                + "jvm_gc_pause_seconds_count{gc=\"G1 Young Generation\"} " + pauses + "\n"
                + "jvm_gc_pause_seconds_sum{gc=\"G1 Young Generation\"} " + pauseSeconds + "\n";
    }

    private URI serving(AtomicReference<String> exposition) {
        Javalin server = Javalin.create(config -> config.showJavalinBanner = false)
                .get("/metrics", ctx -> ctx.result(exposition.get())).start("127.0.0.1", 0);
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.port());
    }
}
