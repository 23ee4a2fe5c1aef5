package io.tally.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CpuSplitTest {

    @Test
    void chargesEachThreadsWorkToItsKindAndNothingToThreadsThatEnded() throws Exception {
        Thread ended = new Thread(CpuSplitTest::spin, "app-StreamThread-9");
        ended.start();
        ended.join();
        CpuSplit before = CpuSplit.now();
        Thread stream = new Thread(CpuSplitTest::spin, "app-StreamThread-1");
        stream.start();
        stream.join();
        // Sampled after the thread ended: its time is the process's, not the stream threads'.
        Map<String, Double> afterEnd = CpuSplit.now().perCommandSince(before, 1);
        assertThat(afterEnd.get("streamThreads")).isZero();

        Thread[] running = {new Thread(CpuSplitTest::spinUntilInterrupted, "app-StreamThread-2")};
        CpuSplit start = CpuSplit.now();
        running[0].start();
        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        Map<String, Double> micros = CpuSplit.now().perCommandSince(start, 1);
        running[0].interrupt();
        running[0].join();
        assertThat(micros.get("streamThreads")).isPositive();
        assertThat(micros.get("broker")).isGreaterThanOrEqualTo(0.0);
        assertThat(micros.get("process")).isGreaterThanOrEqualTo(micros.get("streamThreads"));
    }

    private static void spin() {
        long until = System.nanoTime() + 100_000_000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    private static void spinUntilInterrupted() {
        while (!Thread.currentThread().isInterrupted()) {
            Thread.onSpinWait();
        }
    }
}
