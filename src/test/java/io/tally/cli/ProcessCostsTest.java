package io.tally.cli;

import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    private final List<Javalin> servers = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(Javalin::stop);
    }

    @Test
    void theCountersAreSummedOverTheirSeriesAndNothingElseIsCounted() {
        ProcessCosts.Counters counters = ProcessCosts.parse(EXPOSITION);

        assertThat(counters.cpuNanos()).isEqualTo(1.745e10);
        assertThat(counters.gcPauses()).isEqualTo(5);
        assertThat(counters.gcPauseSeconds()).isCloseTo(0.089, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void metricsWithoutTheProcessCpuTimeAreRefused() {
        assertThatThrownBy(() -> ProcessCosts.parse("jvm_gc_pause_seconds_count 3\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no process_cpu_time_ns_total");
    }

    @Test
    void theCostsOfTheWritesAreWhatTheCountersMovedByDividedByTheWrites() {
        Map<String, Object> results = new LinkedHashMap<>();
        ProcessCosts.Snapshot before = new ProcessCosts.Snapshot(new ProcessCosts.Counters(1e9, 10, 0.2), 5_000_000_000L);
        ProcessCosts.Snapshot after = new ProcessCosts.Snapshot(new ProcessCosts.Counters(1e9 + 2.6e9, 13, 0.26), 5_600_000_000L);

        ProcessCosts.report(before, after, 10_000, 5000, results);

        assertThat(results).containsEntry("httpSyncWriteServiceCpuUsPerWrite_5000", 260.0)
                .containsEntry("httpSyncWriteServiceGcPauses_5000", 3L)
                .containsEntry("httpSyncWriteServiceGcPauseMs_5000", 60.0)
                .containsEntry("httpSyncWriteGeneratorCpuUsPerWrite_5000", 60.0);
    }

    @Test
    void withoutTheInstancesCountersOnlyTheGeneratorsCostIsGivenAndWithoutWritesNothing() {
        Map<String, Object> results = new LinkedHashMap<>();
        ProcessCosts.Snapshot unread = new ProcessCosts.Snapshot(null, 0);

        ProcessCosts.report(unread, new ProcessCosts.Snapshot(null, 1_000_000), 100, 40, results);
        assertThat(results).containsOnlyKeys("httpSyncWriteGeneratorCpuUsPerWrite_40");

        results.clear();
        ProcessCosts.report(unread, unread, 0, 40, results);
        assertThat(results).isEmpty();
    }

    @Test
    void eachInstanceIsReadOnceHoweverOftenItIsNamed() {
        URI one = serving(EXPOSITION);
        URI other = serving("process_cpu_time_ns_total 5E9\n");

        try (HttpLoad load = new HttpLoad()) {
            ProcessCosts.Snapshot snapshot = ProcessCosts.take(load, List.of(one, other, one), new PrintWriter(err, true));

            assertThat(snapshot.instances().cpuNanos()).isEqualTo(1.745e10 + 5e9);
            assertThat(snapshot.instances().gcPauses()).isEqualTo(5);
            assertThat(snapshot.generatorCpuNanos()).isPositive();
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void anInstanceWhoseMetricsCannotBeReadLeavesTheInstancesOutAndSaysWhy() {
        URI one = serving(EXPOSITION);
        Javalin broken = Javalin.create(config -> config.showJavalinBanner = false)
                .get("/metrics", ctx -> ctx.status(503).result("starting")).start("127.0.0.1", 0);
        servers.add(broken);
        URI other = URI.create("http://127.0.0.1:" + broken.port());

        try (HttpLoad load = new HttpLoad()) {
            ProcessCosts.Snapshot snapshot = ProcessCosts.take(load, List.of(one, other), new PrintWriter(err, true));

            assertThat(snapshot.instances()).isNull();
            assertThat(snapshot.generatorCpuNanos()).isPositive();
        }
        assertThat(err.toString()).contains("cannot read " + other + "/metrics (answered 503)")
                .contains("the service's CPU and collector figures are left out");
    }

    private URI serving(String exposition) {
        Javalin server = Javalin.create(config -> config.showJavalinBanner = false)
                .get("/metrics", ctx -> ctx.result(exposition)).start("127.0.0.1", 0);
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.port());
    }
}
