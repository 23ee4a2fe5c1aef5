package io.tally.cli;

import io.tally.config.HttpSettings;
import io.tally.config.Settings;

import java.nio.file.Path;

/** The settings a benchmark run uses: the user's resources and guarantee, on a throw-away broker and state dir. */
final class BenchSettings {
    private BenchSettings() {
    }

    static Settings forBench(Settings base, String bootstrap, Path work, int partitions) {
        return new Settings(bootstrap, 0, work.resolve("kafka"), "tally-bench", work.resolve("state"),
                base.processingGuarantee(), base.commitInterval(), base.streamThreads(), partitions,
                base.replicationFactor(), false, base.dedupeHorizon(), base.maxPendingPerRecord(), base.maxCommandBytes(),
                base.resources(), base.analytics(),
                new HttpSettings(false, "127.0.0.1", 0, "", base.http().syncTimeout(), base.http().maxBodyBytes()));
    }

    /** The same benchmark instance with its REST API on a free port of 127.0.0.1, keeping its state in {@code stateDir}. */
    static Settings withRestApi(Settings bench, Path stateDir) {
        return new Settings(bench.bootstrapServers(), bench.embeddedPort(), bench.dataDir(), bench.applicationId(), stateDir,
                bench.processingGuarantee(), bench.commitInterval(), bench.streamThreads(), bench.topicPartitions(),
                bench.replicationFactor(), bench.applyTopics(), bench.dedupeHorizon(), bench.maxPendingPerRecord(),
                bench.maxCommandBytes(), bench.resources(), bench.analytics(),
                new HttpSettings(true, "127.0.0.1", 0, "", bench.http().syncTimeout(), bench.http().maxBodyBytes()));
    }
}
