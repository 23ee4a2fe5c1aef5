package io.tally.cli;

import io.tally.config.HttpSettings;
import io.tally.config.Settings;

import java.nio.file.Path;
import java.util.Map;

/** The settings a benchmark run uses: the user's resources and guarantee, on a throw-away broker and state dir. */
final class BenchSettings {
    private BenchSettings() {
    }

    static Settings forBench(Settings base, String bootstrap, Path work, int partitions) {
        return new Settings(bootstrap, 0, work.resolve("kafka"), "tally-bench", work.resolve("state"),
                base.processingGuarantee(), base.commitInterval(), base.streamThreads(), partitions,
                base.replicationFactor(), false, base.dedupeHorizon(), base.maxPendingPerRecord(), base.maxCommandBytes(),
                base.resources(), base.analytics(),
                new HttpSettings(false, "127.0.0.1", 0, "", base.http().syncTimeout(), base.http().maxBodyBytes()),
                0, Map.of(), base.rocksdbMemoryBytes());
    }
}
