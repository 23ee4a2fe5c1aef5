package io.tally.cli;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress of a long phase on standard error. On a terminal it is one bar redrawn in place; in a
 * log (standard output not a terminal: CI, {@code | tee}) carriage returns would pile up into one
 * enormous line, so it prints a plain line at most every few seconds instead.
 */
final class Progress {
    private static final int WIDTH = 30;
    private static final long TERMINAL_EVERY_NANOS = 100_000_000L;
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private final long started;
    private long lastPrinted;

    Progress(String label, long total) {
        // Java 17: no console when standard input or output is redirected.
        this(label, total, System.err, System.console() != null, System::nanoTime);
    }

    Progress(String label, long total, PrintStream out, boolean terminal, LongSupplier nanoClock) {
        this.label = label;
        this.total = Math.max(1, total);
        this.out = out;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
        this.started = nanoClock.getAsLong();
        this.lastPrinted = started;
    }

    void update(long done) {
        long now = nanoClock.getAsLong();
        if (now - lastPrinted < (terminal ? TERMINAL_EVERY_NANOS : LOG_EVERY_NANOS)) {
            return;
        }
        lastPrinted = now;
        print(done, now);
    }

    /** For a count without a known total: how many so far and the rate, as often as {@link #update}. */
    void count(long done) {
        long now = nanoClock.getAsLong();
        if (now - lastPrinted < (terminal ? TERMINAL_EVERY_NANOS : LOG_EVERY_NANOS)) {
            return;
        }
        lastPrinted = now;
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        out.printf(terminal ? "\r%-12s %,d  %,.0f/s" : "%-12s %,d  %,.0f/s%n", label, done, done / seconds);
    }

    /** Ends a {@link #count} line on a terminal; in a log every line is already whole. */
    void finish() {
        if (terminal) {
            out.println();
        }
    }

    void done() {
        print(total, nanoClock.getAsLong());
        if (terminal) {
            out.println();
        }
    }

    private void print(long done, long now) {
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        if (terminal) {
            int filled = (int) Math.min(WIDTH, done * WIDTH / total);
            out.printf("\r%-12s [%s%s] %,d/%,d  %,.0f/s", label, "#".repeat(filled), " ".repeat(WIDTH - filled), done,
                    total, done / seconds);
        } else {
            out.printf("%-12s %3d%%  %,d/%,d  %,.0f/s  %.0fs%n", label, Math.min(100, done * 100 / total), done, total,
                    done / seconds, seconds);
        }
    }
}
