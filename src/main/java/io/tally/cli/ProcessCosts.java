package io.tally.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What the instances behind {@code tally load --url} and the generator itself spend on the writes
 * of a rate (its untimed lead and its timed seconds: no read falls inside the timed ones): each
 * instance's process CPU time and its collector's pauses, read from its {@code /metrics} before
 * and after, and this JVM's own CPU time; {@code httpSyncWriteCostSeconds_RATE} says how long
 * that was. Per write, these are the figures
 * docs/BENCHMARKS.md took from {@code /proc} by hand: on a machine the service shares with its
 * load, they say how much of it each side used. An instance running the embedded broker counts
 * the broker's work as its own.
 *
 * <p>Each URL is one instance: an instance named twice (spelled the same) counts once; one behind a
 * load balancer, or one not named, cannot be counted. When an instance cannot be read, or its
 * counters went back (it restarted in between), the instances' figures are left out and the reason
 * printed; the generator's are still given.
 */
final class ProcessCosts {
    static final String CPU = "process_cpu_time_ns_total";
    static final String GC_PAUSES = "jvm_gc_pause_seconds_count";
    static final String GC_PAUSE_SECONDS = "jvm_gc_pause_seconds_sum";

    private final HttpLoad load;
    private final List<URI> instances;
    private final PrintWriter err;
    private final long generatorBefore;
    /** When the counters were first read: the costs cover from then to the second read. */
    private final long started;
    /** Each instance's counters before, or null when one could not be read. */
    private final Map<URI, Counters> before;

    private ProcessCosts(HttpLoad load, List<URI> instances, PrintWriter err) {
        this.load = load;
        this.instances = instances;
        this.err = err;
        this.generatorBefore = CpuSplit.processNanos();
        this.before = read(load, instances, err);
        this.started = System.nanoTime();
    }

    /** Reads the counters before a rate's writes; {@code err} hears why the instances' figures are left out. */
    static ProcessCosts start(HttpLoad load, List<URI> bases, PrintWriter err) {
        return new ProcessCosts(load, List.copyOf(new LinkedHashSet<>(bases)), err);
    }

    /** Reads the counters again and puts what the {@code writes} successful writes at {@code rate} cost. */
    void finish(long writes, int rate, Map<String, Object> results) {
        long generatorAfter = CpuSplit.processNanos();
        long seconds = System.nanoTime() - started;
        Map<URI, Counters> after = before == null ? null : read(load, instances, err);
        if (writes <= 0) {
            return;
        }
        results.put("httpSyncWriteCostSeconds_" + rate, round(seconds / 1e9));
        if (generatorBefore >= 0 && generatorAfter >= 0) {
            results.put("httpSyncWriteGeneratorCpuUsPerWrite_" + rate, round((generatorAfter - generatorBefore) / 1000.0 / writes));
        }
        if (after == null) {
            return;
        }
        Counters spent = Counters.NONE;
        for (URI instance : instances) {
            Counters one = after.get(instance).minus(before.get(instance));
            if (one.cpuNanos() < 0 || one.gcPauses() < 0 || one.gcPauseSeconds() < 0) {
                err.println("tally load: the counters of " + instance + " went back while " + rate + "/s was timed (it "
                        + "restarted?); the service's CPU and collector figures are left out");
                return;
            }
            spent = spent.plus(one);
        }
        results.put("httpSyncWriteServiceCpuUsPerWrite_" + rate, round(spent.cpuNanos() / 1000.0 / writes));
        results.put("httpSyncWriteServiceGcPauses_" + rate, Math.round(spent.gcPauses()));
        results.put("httpSyncWriteServiceGcPauseMs_" + rate, round(spent.gcPauseSeconds() * 1000));
    }

    /** Every instance's counters, or null (and why, on {@code err}) when one cannot be read. */
    private static Map<URI, Counters> read(HttpLoad load, List<URI> instances, PrintWriter err) {
        Map<URI, Counters> counters = new LinkedHashMap<>();
        for (URI instance : instances) {
            URI metrics = URI.create(instance + "/metrics");
            try {
                counters.put(instance, parse(load.text(metrics)));
            } catch (RuntimeException e) {
                err.println("tally load: cannot read " + metrics + " (" + e.getMessage() + "); the service's CPU and "
                        + "collector figures are left out");
                return null;
            }
        }
        return counters;
    }

    /** Counters of one instance, or several summed. */
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

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
