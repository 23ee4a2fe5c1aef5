package io.tally.stream;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class SyncCommitsTest {
    private static final Headers SYNC = new RecordHeaders()
            .add(TallyTopics.SYNC_HEADER, "1".getBytes(StandardCharsets.UTF_8));
    private static final Headers NONE = new RecordHeaders();

    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();

    private SyncCommits started(SyncCommits.Spacing spacing, long now) {
        SyncCommits commits = new SyncCommits(spacing);
        context.setCurrentSystemTimeMs(now);
        commits.init(context);
        return commits;
    }

    @Test
    void aCommandSomeoneWaitsOnAsksForACommitAtOnce() {
        SyncCommits commits = started(new SyncCommits.Spacing(Duration.ofMillis(20)), 1_000);

        commits.processed(NONE);
        assertThat(context.committed()).as("a command without the header waits for the regular commit").isFalse();
        commits.processed(SYNC);
        assertThat(context.committed()).isTrue();
    }

    @Test
    void commitsAreSpacedAndWhatTheSpacingHeldBackIsCommittedByThePunctuation() {
        SyncCommits commits = started(new SyncCommits.Spacing(Duration.ofMillis(20)), 1_000);
        commits.processed(SYNC);
        context.resetCommit();

        context.setCurrentSystemTimeMs(1_005);
        commits.processed(SYNC);
        assertThat(context.committed()).as("5 ms after the last commit asked for").isFalse();

        MockProcessorContext.CapturedPunctuator punctuation = context.scheduledPunctuators().get(0);
        assertThat(punctuation.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
        assertThat(punctuation.getInterval()).isEqualTo(Duration.ofMillis(20));
        punctuation.getPunctuator().punctuate(1_010);
        assertThat(context.committed()).isFalse();
        punctuation.getPunctuator().punctuate(1_020);
        assertThat(context.committed()).isTrue();

        context.resetCommit();
        punctuation.getPunctuator().punctuate(1_040);
        assertThat(context.committed()).as("nothing is owed once asked for").isFalse();
    }

    @Test
    void theSpacingIsSharedByTheTasksOfAThread() {
        SyncCommits.Spacing spacing = new SyncCommits.Spacing(Duration.ofMillis(20));
        SyncCommits first = started(spacing, 1_000);
        MockProcessorContext<Object, Object> otherTask = new MockProcessorContext<>();
        otherTask.setCurrentSystemTimeMs(1_001);
        SyncCommits second = new SyncCommits(spacing);
        second.init(otherTask);

        first.processed(SYNC);
        second.processed(SYNC);

        assertThat(context.committed()).isTrue();
        assertThat(otherTask.committed()).as("the commit asked for a millisecond ago takes in every task of the thread")
                .isFalse();
    }

    @Test
    void aZeroSpacingLeavesEveryCommitToTheInterval() {
        SyncCommits commits = started(new SyncCommits.Spacing(Duration.ZERO), 1_000);

        commits.processed(SYNC);

        assertThat(context.committed()).isFalse();
        assertThat(context.scheduledPunctuators()).isEmpty();
    }
}
