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
        return of(base, bootstrap, work.resolve("kafka"), "tally-bench", work.resolve("state"), partitions,
                new HttpSettings(false, "127.0.0.1", 0, "", base.http().syncTimeout(), base.http().maxBodyBytes())
                        .withMaxThreads(base.http().maxThreads()));
    }

    /** The bench's Streams settings for another application ({@link StreamsFloor}), with its own id and state. */
    static Settings forFloor(Settings bench, String applicationId, Path stateDir) {
        return of(bench, bench.bootstrapServers(), bench.dataDir(), applicationId, stateDir, bench.topicPartitions(),
                bench.http());
    }

    /** The same benchmark instance with its REST API on a free port of 127.0.0.1, keeping its state in {@code stateDir}. */
    static Settings withRestApi(Settings bench, Path stateDir) {
        return of(bench, bench.bootstrapServers(), bench.dataDir(), bench.applicationId(), stateDir, bench.topicPartitions(),
                new HttpSettings(true, "127.0.0.1", 0, "", bench.http().syncTimeout(), bench.http().maxBodyBytes())
                        .withMaxThreads(bench.http().maxThreads()));
    }

    private static Settings of(Settings base, String bootstrap, Path dataDir, String applicationId, Path stateDir,
                               Integer partitions, HttpSettings http) {
        return new Settings(bootstrap, 0, dataDir, applicationId, stateDir,
                base.processingGuarantee(), base.commitInterval(), base.syncCommitInterval(), base.streamThreads(), partitions,
                base.replicationFactor(), false, base.dedupeHorizon(), base.maxPendingPerRecord(), base.maxCommandBytes(),
                base.resources(), base.analytics(), http, 0, Map.of(), base.rocksdbMemoryBytes());
    }
}
