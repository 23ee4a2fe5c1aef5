package io.tally.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the process's CPU time went between two moments, by kind of thread: Tally's stream threads,
 * their producers' network threads, the embedded broker, and the rest (the JIT compiler and the
 * garbage collector are not Java threads, so they show only in the process total). The bench runs
 * broker and Tally in one JVM on a small machine; this tells what each command cost each of them,
 * a figure far steadier than a rate when the machine is shared.
 */
final class CpuSplit {
    private static final String[] KINDS = {"streamThreads", "streamProducers", "broker", "otherJavaThreads"};

    /** CPU time so far of each live thread, by thread id, with the kind of each. */
    private final Map<Long, Long> nanos;
    private final Map<Long, String> kinds;
    private final long process;

    private CpuSplit(Map<Long, Long> nanos, Map<Long, String> kinds, long process) {
        this.nanos = nanos;
        this.kinds = kinds;
        this.process = process;
    }

    /** The CPU time used so far by each live thread, and by the process. */
    static CpuSplit now() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> nanos = new HashMap<>();
        Map<Long, String> kinds = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long used = threads.getThreadCpuTime(info.getThreadId());
            if (used >= 0) {
                nanos.put(info.getThreadId(), used);
                kinds.put(info.getThreadId(), kind(info.getThreadName()));
            }
        }
        return new CpuSplit(nanos, kinds, processNanos());
    }

    /** The CPU time this JVM has used so far, every thread of it, or -1 when the JVM does not say. */
    static long processNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private static String kind(String thread) {
        if (thread.startsWith("kafka-producer-network-thread") && thread.contains("-StreamThread-")) {
            return "streamProducers";
        }
        if (thread.contains("-StreamThread-")) {
            return "streamThreads";
        }
        if (thread.startsWith("data-plane-") || thread.startsWith("TxnMarkerSenderThread")
                || thread.startsWith("AddPartitionsToTxnSenderThread") || thread.startsWith("group-coordinator")
                || thread.startsWith("transaction-coordinator") || thread.startsWith("quorum-controller")
                || thread.startsWith("ExpirationReaper")
                || thread.startsWith("kafka-") && !thread.startsWith("kafka-producer") && !thread.startsWith("kafka-admin")
                && !thread.startsWith("kafka-coordinator")) {
            return "broker";
        }
        return "otherJavaThreads";
    }

    /**
     * CPU microseconds per command between {@code earlier} and this, by kind, with the whole
     * process's figure and what no Java thread accounts for (JIT, GC, threads that ended).
     */
    Map<String, Double> perCommandSince(CpuSplit earlier, long commands) {
        // Per thread, so a thread that ended in between takes nothing away from its kind's figure.
        Map<String, Long> used = new LinkedHashMap<>();
        for (String kind : KINDS) {
            used.put(kind, 0L);
        }
        nanos.forEach((thread, now) -> used.merge(kinds.get(thread), now - earlier.nanos.getOrDefault(thread, 0L), Long::sum));
        Map<String, Double> micros = new LinkedHashMap<>();
        long javaThreads = 0;
        for (String kind : KINDS) {
            javaThreads += used.get(kind);
            micros.put(kind, perCommand(used.get(kind), commands));
        }
        if (process >= 0 && earlier.process >= 0) {
            long all = process - earlier.process;
            micros.put("jitGcAndEnded", perCommand(Math.max(0, all - javaThreads), commands));
            micros.put("process", perCommand(all, commands));
        }
        return micros;
    }

    private static double perCommand(long nanos, long commands) {
        return Math.round(nanos / 1e3 / Math.max(1, commands) * 10) / 10.0;
    }
}
