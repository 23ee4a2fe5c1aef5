package io.tally.stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

class ThreadFlushesTest {
    private final List<String> flushed = new ArrayList<>();
    private final List<Runnable> added = new ArrayList<>();

    @AfterEach
    void removeWhatWasAdded() {
        added.forEach(ThreadFlushes::remove);
    }

    @Test
    void theFirstFlushOfACommitRunsEveryFlusherOfTheThreadOnce() {
        add(() -> flushed.add("records of task 0"));
        add(() -> flushed.add("analytics of task 0"));
        // A flusher that flushes its own store, which leads back into flushAll, as MetricsStore does.
        add(() -> {
            ThreadFlushes.flushAll();
            flushed.add("analytics of task 1");
        });

        ThreadFlushes.flushAll();

        assertThat(flushed).containsExactlyInAnyOrder("records of task 0", "analytics of task 0", "analytics of task 1");
    }

    @Test
    void aRemovedFlusherIsNotRunAgain() {
        Runnable records = add(() -> flushed.add("records"));
        add(() -> flushed.add("analytics"));

        ThreadFlushes.remove(records);
        ThreadFlushes.flushAll();

        assertThat(flushed).containsExactly("analytics");
    }

    @Test
    void anotherThreadRunsOnlyItsOwnFlushers() throws Exception {
        add(() -> flushed.add("this thread's"));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            other.submit(ThreadFlushes::flushAll).get();
        } finally {
            other.shutdown();
        }

        assertThat(flushed).isEmpty();
    }

    @Test
    void aFlusherAddedByAnotherThreadIsRemovedFromHereToo() throws Exception {
        List<String> elsewhereFlushed = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable kept = () -> elsewhereFlushed.add("kept");
        Runnable removed = () -> elsewhereFlushed.add("removed");
        ExecutorService streamThread = Executors.newSingleThreadExecutor();
        try {
            streamThread.submit(() -> {
                ThreadFlushes.add(kept);
                ThreadFlushes.add(removed);
            }).get();

            ThreadFlushes.remove(removed);
            streamThread.submit(ThreadFlushes::flushAll).get();
        } finally {
            streamThread.submit(() -> ThreadFlushes.remove(kept)).get();
            streamThread.shutdown();
        }

        assertThat(elsewhereFlushed).containsExactly("kept");
    }

    private Runnable add(Runnable flusher) {
        ThreadFlushes.add(flusher);
        added.add(flusher);
        return flusher;
    }
}
