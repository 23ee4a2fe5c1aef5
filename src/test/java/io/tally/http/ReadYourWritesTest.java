package io.tally.http;

import io.tally.config.SettingsLoader;
import io.tally.stream.AppliedOffsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads waiting for their writes, as this instance applies commands. No broker answers here, so
 * only what this instance has applied lets a read through; the committed offsets never come.
 */
class ReadYourWritesTest {
    private static final Duration LONG_WAIT = Duration.ofSeconds(60);

    private final AppliedOffsets applied = new AppliedOffsets();
    private final ReadYourWrites waits = new ReadYourWrites(SettingsLoader.fromMap(Map.of()),
            "127.0.0.1:" + closedPort(), applied, 2);

    @AfterEach
    void stop() {
        waits.close();
    }

    @Test
    void aReadOfAWriteAlreadyAppliedDoesNotWait() {
        applied.processed(1, 41);

        assertThat(waits.applied(new ConsistencyToken(1, 41), LONG_WAIT)).isCompleted();
        assertThat(waits.applied(new ConsistencyToken(1, 40), Duration.ZERO)).isCompleted();
    }

    @Test
    void aWaitingReadGoesOnOnceItsWriteIsAppliedHere() {
        CompletableFuture<Void> read = waits.applied(new ConsistencyToken(3, 7), LONG_WAIT);
        CompletableFuture<Void> later = waits.applied(new ConsistencyToken(3, 9), LONG_WAIT);

        applied.processed(3, 8);

        assertThat(read).succeedsWithin(Duration.ofSeconds(10));
        assertThat(later).isNotDone();
        applied.processed(3, 9);
        assertThat(later).succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void readsPastTheMostWaitingAreRefusedAtOnceAndThoseWaitingStillGoOn() {
        CompletableFuture<Void> first = waits.applied(new ConsistencyToken(0, 5), LONG_WAIT);
        CompletableFuture<Void> second = waits.applied(new ConsistencyToken(0, 6), LONG_WAIT);

        CompletableFuture<Void> third = waits.applied(new ConsistencyToken(0, 7), LONG_WAIT);

        assertThat(third).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(ApiError.class)
                .withMessage("2 reads are already waiting for their writes here; retry shortly")
                .satisfies(error -> assertThat(((ApiError) error).status).isEqualTo(503));
        applied.processed(0, 6);
        assertThat(first).succeedsWithin(Duration.ofSeconds(10));
        assertThat(second).succeedsWithin(Duration.ofSeconds(10));
        // Room again once they have gone on.
        assertThat(waits.applied(new ConsistencyToken(0, 8), LONG_WAIT)).isNotDone();
    }

    @Test
    void aReadWhoseWriteIsNotAppliedWithinItsWaitIsRefusedOnceTheCommittedOffsetsWereAskedFor() {
        CompletableFuture<Void> read = waits.applied(new ConsistencyToken(1, 50), Duration.ofMillis(200));

        // The ask for committed offsets fails when its 5 s are up (no broker): only then is the read refused.
        assertThat(read).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(ReadYourWrites.NotYetApplied.class)
                .withMessageContaining("the write at").withMessageContaining("has not been applied here within 200 ms");
    }

    @Test
    void stoppingAnswersEveryWaitingReadAndRefusesNewOnes() {
        CompletableFuture<Void> read = waits.applied(new ConsistencyToken(2, 100), LONG_WAIT);

        waits.close();

        assertThat(read).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(ApiError.class).withMessage("stopping");
        assertThat(waits.applied(new ConsistencyToken(2, 101), LONG_WAIT)).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).havingCause().withMessage("stopping");
    }

    /** A port nothing listens on: the broker this instance would ask about committed offsets is away. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
