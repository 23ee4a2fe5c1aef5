package io.tally.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong clock = new AtomicLong(42 * SECOND);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void inALogPrintsWholeLinesAtMostEveryFiveSeconds() {
        Progress progress = new Progress("consolidate", 1_000, out, false, clock::get);
        for (int done = 1; done <= 1_000; done++) {
            clock.addAndGet(SECOND / 50);
            progress.update(done);
        }
        progress.done();

        // 20 seconds of updates, fifty a second: a line at 5, 10, 15 and 20 seconds, then the final one.
        assertThat(printed()).doesNotContain("\r");
        assertThat(printed().lines()).hasSize(5);
        assertThat(printed().lines().findFirst().orElseThrow()).isEqualTo("consolidate   25%  250/1,000  50/s  5s");
        assertThat(printed().lines().reduce((first, second) -> second).orElseThrow()).contains("100%", "1,000/1,000");
    }

    @Test
    void onATerminalRedrawsOneBarInPlaceAtMostTenTimesASecond() {
        Progress progress = new Progress("produce", 100, out, true, clock::get);
        for (int done = 1; done <= 100; done++) {
            clock.addAndGet(SECOND / 100);
            progress.update(done);
        }
        progress.done();

        assertThat(printed().chars().filter(c -> c == '\r').count()).isEqualTo(10 + 1);
        assertThat(printed()).endsWith("\r" + "produce      [" + "#".repeat(30) + "] 100/100  100/s" + System.lineSeparator());
    }

    @Test
    void printsNothingBeforeTheFirstInterval() {
        Progress progress = new Progress("http", 10, out, false, clock::get);
        clock.addAndGet(4 * SECOND);
        progress.update(9);

        assertThat(printed()).isEmpty();
    }
}
