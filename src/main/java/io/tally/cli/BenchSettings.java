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
        return of(base, bootstrap, work.resolve("kafka"), work.resolve("state"), partitions,
                new HttpSettings(false, "127.0.0.1", 0, "", base.http().syncTimeout(), base.http().maxBodyBytes()));
    }

    /** The same benchmark instance with its REST API on a free port of 127.0.0.1, keeping its state in {@code stateDir}. */
    static Settings withRestApi(Settings bench, Path stateDir) {
        return of(bench, bench.bootstrapServers(), bench.dataDir(), stateDir, bench.topicPartitions(),
                new HttpSettings(true, "127.0.0.1", 0, "", bench.http().syncTimeout(), bench.http().maxBodyBytes()));
    }

    private static Settings of(Settings base, String bootstrap, Path dataDir, Path stateDir, Integer partitions,
                               HttpSettings http) {
        return new Settings(bootstrap, 0, dataDir, "tally-bench", stateDir,
                base.processingGuarantee(), base.commitInterval(), base.syncCommitInterval(), base.streamThreads(), partitions,
                base.replicationFactor(), false, base.dedupeHorizon(), base.maxPendingPerRecord(), base.maxCommandBytes(),
                base.resources(), base.analytics(), http, 0, Map.of(), base.rocksdbMemoryBytes());
    }
}
