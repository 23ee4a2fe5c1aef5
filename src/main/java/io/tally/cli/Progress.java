package io.tally.cli;

import java.io.PrintStream;

/** A one-line progress bar on standard error for long runs. */
final class Progress {
    private static final int WIDTH = 30;
    private final String label;
    private final long total;
    private final PrintStream out = System.err;
    private final long started = System.nanoTime();

    Progress(String label, long total) {
        this.label = label;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        int filled = (int) Math.min(WIDTH, done * WIDTH / total);
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        out.printf("\r%-12s [%s%s] %,d/%,d  %,.0f/s", label, "#".repeat(filled), " ".repeat(WIDTH - filled), done, total,
                done / seconds);
    }

    /** For a count without a known total: how many so far and the rate. */
    void count(long done) {
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        out.printf("\r%-12s %,d  %,.0f/s", label, done, done / seconds);
    }

    void finish() {
        out.println();
    }

    void done() {
        update(total);
        out.println();
    }
}
