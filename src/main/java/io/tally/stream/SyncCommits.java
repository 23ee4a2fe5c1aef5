package io.tally.stream;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

import java.time.Duration;

/**
 * Commits soon after a command that someone is waiting on. Under exactly-once a sync write is
 * answered only once the transaction holding its outcome commits. Kafka Streams commits every
 * {@code commitInterval}, so the write would wait up to a whole interval before its commit even
 * starts. A command carrying the header {@value TallyTopics#SYNC_HEADER} (the REST API's sync writes, or any
 * producer that waits on the outcome) instead asks its task to commit after the records in hand.
 *
 * <p>Commits are spaced at least {@code spacing} apart on each stream thread, so sync writes
 * that arrive together share a commit and the commit rate stays bounded under load. A command
 * held back by the spacing is committed by a wall-clock punctuation. Commands without the header
 * change nothing: bulk loads on the topic still commit once per interval.
 */
final class SyncCommits {
    /**
     * The spacing shared by the tasks of one topology: when a commit was last asked for on each
     * stream thread. A commit takes in every task of the thread, so the spacing is the thread's.
     */
    static final class Spacing {
        private final long millis;
        private final ThreadLocal<long[]> lastAsked = ThreadLocal.withInitial(() -> new long[]{Long.MIN_VALUE / 2});

        /** @param spacing the least time between commits asked for; zero turns prompt commits off */
        Spacing(Duration spacing) {
            this.millis = spacing.toMillis();
        }
    }

    private final Spacing spacing;
    private final long spacingMs;
    private ProcessorContext<?, ?> context;
    /** A command with the header was processed by this task and no commit has been asked for since. */
    private boolean owed;

    SyncCommits(Spacing spacing) {
        this.spacing = spacing;
        this.spacingMs = spacing.millis;
    }

    void init(ProcessorContext<?, ?> context) {
        this.context = context;
        this.owed = false;
        if (spacingMs > 0) {
            context.schedule(Duration.ofMillis(spacingMs), PunctuationType.WALL_CLOCK_TIME, this::ask);
        }
    }

    /** Notes a processed command: with the header, the task commits as soon as the spacing allows. */
    void processed(Headers headers) {
        if (spacingMs > 0 && headers.lastHeader(TallyTopics.SYNC_HEADER) != null) {
            owed = true;
            ask(context.currentSystemTimeMs());
        }
    }

    private void ask(long now) {
        if (!owed) {
            return;
        }
        long[] lastAsked = spacing.lastAsked.get();
        if (now - lastAsked[0] >= spacingMs) {
            context.commit();
            lastAsked[0] = now;
            owed = false;
        }
    }
}
