package io.tally.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) running inside
 * this JVM: the default when no cluster is configured, and the broker of the integration tests.
 * It listens on 127.0.0.1 only and keeps its log in {@code dataDir}, so a restart on the same
 * directory finds its topics and data again.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker on {@code port} (0: a free one), formatting {@code dataDir} the first time. */
    public static EmbeddedKafka start(Path dataDir, int port) {
        EmbeddedKafka kafka = new EmbeddedKafka(dataDir.toAbsolutePath(), port == 0 ? freePort() : port, freePort());
        kafka.startServer();
        return kafka;
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** Stops the broker and starts it again on the same port and directory, as a broker restart would. */
    public synchronized void restart() {
        stopServer();
        startServer();
    }

    @Override
    public synchronized void close() {
        stopServer();
    }

    private synchronized void startServer() {
        Path logDir = dataDir.resolve("log");
        KafkaConfig config = new KafkaConfig(brokerConfig(logDir), false);
        format(logDir);
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
    }

    private void stopServer() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    private Map<String, Object> brokerConfig(Path logDir) {
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        // One node: every internal topic has one replica, and exactly-once needs its transaction log.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "12");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "12");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        return props;
    }

    /** Writes meta.properties and the bootstrap metadata unless the directory already has them. */
    private void format(Path logDir) {
        try {
            Files.createDirectories(logDir);
            if (Files.exists(logDir.resolve("meta.properties"))) {
                return;
            }
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .addDirectory(logDir.toString())
                    .setMetadataLogDirectory(logDir.toString())
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setControllerListenerName("CONTROLLER")
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + logDir, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the embedded broker's storage in " + logDir + ": " + e.getMessage(), e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }
}
