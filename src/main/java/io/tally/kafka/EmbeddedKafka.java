package io.tally.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) running inside
 * this JVM: the default when no cluster is configured, and the broker of the integration tests.
 * It listens on 127.0.0.1 only and keeps its log in {@code dataDir}, so a start on the same
 * directory, in this JVM or a later one, finds its topics and data again.
 *
 * <p>Fault tests can {@link #stop()} it and {@link #restart()} it on the same ports and directory;
 * clients configured with {@link #bootstrapServers()} reconnect on their own.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Ports this class picks itself may be taken by someone else before the broker binds them. */
    private static final int BIND_ATTEMPTS = 5;

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDir, int port, int controllerPort) {
        this.logDir = logDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /**
     * Starts a broker for clients on {@code port} (0: a free one), formatting {@code dataDir} the
     * first time, and returns once it accepts requests.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        Path logDir = dataDir.toAbsolutePath().resolve("log");
        if (port != 0 && !isFree(port)) {
            throw new IllegalStateException("cannot start the embedded Kafka broker: " + BrokerSettings.HOST + ":"
                    + port + " is in use");
        }
        for (int attempt = 1; ; attempt++) {
            int clientPort = port == 0 ? freePort() : port;
            EmbeddedKafka kafka = new EmbeddedKafka(logDir, clientPort, freePortOtherThan(clientPort));
            try {
                kafka.startServer();
                return kafka;
            } catch (RuntimeException e) {
                if (attempt == BIND_ATTEMPTS || !causedBy(e, BindException.class)) {
                    throw e;
                }
            }
        }
    }

    /** {@code 127.0.0.1:<port>}; the same across {@link #restart()}. */
    public String bootstrapServers() {
        return BrokerSettings.HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Stops the broker, keeping its data and ports for {@link #restart()}; does nothing if stopped. */
    public synchronized void stop() {
        if (server != null) {
            KafkaRaftServer running = server;
            server = null;
            running.shutdown();
            running.awaitShutdown();
        }
    }

    /**
     * Stops the broker if it runs and starts it again on the same ports and directory, as a broker
     * restart would; returns once it accepts requests again.
     */
    public synchronized EmbeddedKafka restart() {
        stop();
        startServer();
        return this;
    }

    /** Stops the broker; idempotent. The data directory stays for a later {@link #start}. */
    @Override
    public void close() {
        stop();
    }

    private synchronized void startServer() {
        formatIfNew(logDir);
        KafkaConfig config = new KafkaConfig(BrokerSettings.of(logDir, port, controllerPort), false);
        KafkaRaftServer starting = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            // Returns once the broker has caught up with the metadata log and is unfenced.
            starting.startup();
        } catch (RuntimeException e) {
            // A half-started server holds the directory lock and threads; release them before failing.
            starting.shutdown();
            starting.awaitShutdown();
            throw new IllegalStateException("the embedded Kafka broker in " + logDir + " did not start on "
                    + bootstrapServers() + ": " + e.getMessage(), e);
        }
        server = starting;
    }

    /**
     * Writes meta.properties and the bootstrap metadata the first time; a formatted directory keeps
     * its cluster id, so its topics and data survive a restart.
     */
    private static void formatIfNew(Path logDir) {
        try {
            Files.createDirectories(logDir);
            // Not Formatter.setIgnoreFormatted: it still insists on the cluster id given to it.
            if (Files.exists(logDir.resolve("meta.properties"))) {
                return;
            }
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(BrokerSettings.NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .addDirectory(logDir.toString())
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName(BrokerSettings.CONTROLLER_LISTENER)
                    // The newest production metadata version turns on transactions v2 (KIP-890),
                    // which exactly_once_v2 uses when the broker offers it.
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logDir, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the embedded broker's storage in " + logDir + ": "
                    + e.getMessage(), e);
        }
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(BrokerSettings.HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A free port, never {@code taken}: a port just found free is free again once its socket closes. */
    private static int freePortOtherThan(int taken) {
        int port = freePort();
        while (port == taken) {
            port = freePort();
        }
        return port;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(BrokerSettings.HOST, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + BrokerSettings.HOST, e);
        }
    }
}
