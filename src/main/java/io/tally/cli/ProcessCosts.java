package io.tally.cli;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the instances behind {@code tally load --url} and the generator itself spend on the writes
 * of a timed rate: each instance's process CPU time and its collector's pauses, read from its
 * {@code /metrics} before and after, and this JVM's own CPU time. Per write, these are the figures
 * docs/BENCHMARKS.md took from {@code /proc} by hand: on a machine the service shares with its
 * load, they say how much of it each side used. An instance running the embedded broker counts
 * the broker's work as its own.
 */
final class ProcessCosts {
    static final String CPU = "process_cpu_time_ns_total";
    static final String GC_PAUSES = "jvm_gc_pause_seconds_count";
    static final String GC_PAUSE_SECONDS = "jvm_gc_pause_seconds_sum";

    private ProcessCosts() {
    }

    /** Counters of one or more instances, summed. */
    record Counters(double cpuNanos, double gcPauses, double gcPauseSeconds) {
        static final Counters NONE = new Counters(0, 0, 0);

        Counters plus(Counters other) {
            return new Counters(cpuNanos + other.cpuNanos, gcPauses + other.gcPauses, gcPauseSeconds + other.gcPauseSeconds);
        }

        Counters minus(Counters earlier) {
            return new Counters(cpuNanos - earlier.cpuNanos, gcPauses - earlier.gcPauses,
                    gcPauseSeconds - earlier.gcPauseSeconds);
        }
    }

    /**
     * The instances' counters (null when one of them could not be read) and the generator's CPU time
     * (-1 when its JVM does not say) at one moment.
     */
    record Snapshot(Counters instances, long generatorCpuNanos) {
    }

    /**
     * The counters in a Prometheus text exposition, each summed over its series (the collector's pauses
     * come by cause); a JVM without pauses yet has none to sum.
     *
     * @throws IllegalArgumentException when it has no process CPU time
     */
    static Counters parse(String exposition) {
        double cpu = Double.NaN;
        double pauses = 0;
        double pauseSeconds = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            if (isSample(line, CPU)) {
                cpu = (Double.isNaN(cpu) ? 0 : cpu) + value(line, CPU);
            } else if (isSample(line, GC_PAUSES)) {
                pauses += value(line, GC_PAUSES);
            } else if (isSample(line, GC_PAUSE_SECONDS)) {
                pauseSeconds += value(line, GC_PAUSE_SECONDS);
            }
        }
        if (Double.isNaN(cpu)) {
            throw new IllegalArgumentException("no " + CPU + " among its metrics");
        }
        return new Counters(cpu, pauses, pauseSeconds);
    }

    private static boolean isSample(String line, String name) {
        return line.startsWith(name) && line.length() > name.length()
                && (line.charAt(name.length()) == ' ' || line.charAt(name.length()) == '{');
    }

    /** The sample's value: after the name and its labels (whose values may hold spaces), before any timestamp. */
    private static double value(String line, String name) {
        String rest = line.substring(name.length());
        if (rest.startsWith("{")) {
            rest = rest.substring(rest.lastIndexOf('}') + 1);
        }
        return Double.parseDouble(rest.trim().split(" ")[0]);
    }

    /**
     * Reads every instance once (an instance named twice in {@code --url} counts once); when one cannot
     * be read, says why on {@code err} and gives no instances' counters.
     */
    static Snapshot take(HttpLoad load, List<URI> bases, java.io.PrintWriter err) {
        long generator = CpuSplit.processNanos();
        Set<URI> instances = new LinkedHashSet<>(bases);
        Counters sum = Counters.NONE;
        for (URI base : instances) {
            URI metrics = URI.create(base + "/metrics");
            try {
                sum = sum.plus(parse(load.text(metrics)));
            } catch (RuntimeException e) {
                err.println("tally load: cannot read " + metrics + " (" + e.getMessage() + "); the service's CPU and "
                        + "collector figures are left out");
                return new Snapshot(null, generator);
            }
        }
        return new Snapshot(sum, generator);
    }

    /** Puts the costs of {@code writes} successful writes at {@code rate} between two snapshots. */
    static void report(Snapshot before, Snapshot after, long writes, int rate, Map<String, Object> results) {
        if (writes <= 0) {
            return;
        }
        if (before.generatorCpuNanos() >= 0 && after.generatorCpuNanos() >= 0) {
            results.put("httpSyncWriteGeneratorCpuUsPerWrite_" + rate,
                    round((after.generatorCpuNanos() - before.generatorCpuNanos()) / 1000.0 / writes));
        }
        if (before.instances() == null || after.instances() == null) {
            return;
        }
        Counters spent = after.instances().minus(before.instances());
        results.put("httpSyncWriteServiceCpuUsPerWrite_" + rate, round(spent.cpuNanos() / 1000.0 / writes));
        results.put("httpSyncWriteServiceGcPauses_" + rate, Math.round(spent.gcPauses()));
        results.put("httpSyncWriteServiceGcPauseMs_" + rate, round(spent.gcPauseSeconds() * 1000));
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
