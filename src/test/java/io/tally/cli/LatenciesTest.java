package io.tally.cli;

import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatenciesTest {
    private static final long MS = 1_000_000L;

    @Test
    void percentilesAreNearestRanksOfTheRecordedSamples() {
        long[] nanos = LongStream.rangeClosed(1, 1_000).map(i -> (1_001 - i) * MS).toArray();
        Latencies latencies = new Latencies(nanos, 1_000);

        assertThat(latencies.count()).isEqualTo(1_000);
        assertThat(latencies.percentileMs(50)).isEqualTo(500.0);
        assertThat(latencies.percentileMs(99)).isEqualTo(990.0);
        assertThat(latencies.percentileMs(99.9)).isEqualTo(999.0);
        assertThat(latencies.percentileMs(100)).isEqualTo(1_000.0);
        assertThat(latencies.maxMs()).isEqualTo(1_000.0);
        assertThat(nanos[0]).as("the caller's array is left as it was").isEqualTo(1_000 * MS);
    }

    @Test
    void onlyTheRecordedPrefixCounts() {
        long[] nanos = {3 * MS, 1 * MS, 2 * MS, 0, 0};
        Latencies latencies = new Latencies(nanos, 3);

        assertThat(latencies.percentileMs(50)).isEqualTo(2.0);
        assertThat(latencies.maxMs()).isEqualTo(3.0);
    }

    @Test
    void aSingleSampleIsEveryPercentileAndMillisecondsKeepTwoDecimals() {
        Latencies latencies = new Latencies(new long[] {1_234_567}, 1);

        assertThat(latencies.percentileMs(0.1)).isEqualTo(1.23);
        assertThat(latencies.percentileMs(99.9)).isEqualTo(1.23);
    }

    @Test
    void noSamplesHaveNoPercentiles() {
        Latencies latencies = new Latencies(new long[10], 0);

        assertThat(latencies.percentileMs(99)).isNull();
        assertThat(latencies.maxMs()).isNull();
    }

    @Test
    void refusesImpossibleQuestions() {
        Latencies latencies = new Latencies(new long[] {MS}, 1);

        assertThatThrownBy(() -> latencies.percentileMs(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> latencies.percentileMs(100.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Latencies(new long[2], 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
