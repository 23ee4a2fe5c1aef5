package io.tally.kafka;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** The configuration of {@link EmbeddedKafka}: one node that is both KRaft controller and broker. */
final class BrokerSettings {
    static final String HOST = "127.0.0.1";
    static final int NODE_ID = 1;
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String CLIENT_LISTENER = "PLAINTEXT";

    private BrokerSettings() {
    }

    static Map<String, String> of(Path logDir, int port, int controllerPort) {
        Map<String, String> settings = new TreeMap<>();
        settings.putAll(network(port, controllerPort));
        settings.put("log.dirs", logDir.toString());
        settings.putAll(oneNode());
        settings.putAll(threads(Runtime.getRuntime().availableProcessors()));
        return settings;
    }

    /**
     * Request threads for the cores the JVM has, up to Kafka's defaults (8 I/O, 3 network). The
     * broker shares its cores with Tally: on two cores, Kafka's 11 threads took turns on them, and
     * at 5,000 sync writes/s the broker spent 51.0 µs a write on average against 46.4 µs with 2 and
     * 1 (docs/BENCHMARKS.md, seventeenth round).
     */
    static Map<String, String> threads(int cores) {
        return Map.of(
                "num.io.threads", String.valueOf(Math.min(8, Math.max(2, cores))),
                "num.network.threads", String.valueOf(Math.min(3, Math.max(1, cores / 2))));
    }

    private static Map<String, String> network(int port, int controllerPort) {
        return Map.of(
                "process.roles", "broker,controller",
                "node.id", String.valueOf(NODE_ID),
                // A static quorum of this one node: nothing to bootstrap or join. The controller port
                // may change between runs of the same directory; only the node id is stored.
                "controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort,
                "controller.listener.names", CONTROLLER_LISTENER,
                "listeners", CLIENT_LISTENER + "://" + HOST + ":" + port + ","
                        + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort,
                "advertised.listeners", CLIENT_LISTENER + "://" + HOST + ":" + port,
                "listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT",
                "inter.broker.listener.name", CLIENT_LISTENER);
    }

    /** What differs from a production broker because there is exactly one node. */
    private static Map<String, String> oneNode() {
        Map<String, String> settings = new TreeMap<>();
        // Internal topics default to 3 replicas and would never be created on one node; group
        // offsets and transactions (exactly_once_v2) cannot work without them.
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("share.coordinator.state.topic.replication.factor", "1");
        settings.put("share.coordinator.state.topic.min.isr", "1");
        // Fewer coordinator partitions than the default 50: each is a log to create and load on
        // first use, which dominates the time the first consumer group or transaction waits.
        settings.put("offsets.topic.num.partitions", "12");
        settings.put("transaction.state.log.num.partitions", "12");
        // Kafka Streams' changelog and repartition topics ask for the broker default (-1).
        settings.put("default.replication.factor", "1");
        settings.put("min.insync.replicas", "1");
        // The first member of a group need not wait for others that will not come.
        settings.put("group.initial.rebalance.delay.ms", "0");
        // topics/ declares every topic; a typo in a client must fail, not create a stray topic.
        settings.put("auto.create.topics.enable", "false");
        // The compaction buffer (128 MiB by default) is allocated up front; this is enough for
        // about a million keys per cleaning pass, more than a local broker sees.
        settings.put("log.cleaner.dedupe.buffer.size", String.valueOf(32 * 1024 * 1024));
        return settings;
    }
}
