package io.tally.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * One Tally instance as a child process ({@code java -cp <this JVM's class path> io.tally.Tally run}),
 * so a test can crash it the way a node crashes: {@link #kill()} is SIGKILL, no shutdown hook, no
 * commit, no leaving the group. Settings go in as {@code TALLY_} variables; every start of the same
 * instance keeps its port, state directory and log file (appended), as a restarted pod keeps its
 * name and volume.
 */
final class TallyProcess {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** A SIGTERM runs Tally's shutdown hook, which waits up to 60 s for Kafka Streams to close. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final Path home;
    private final Map<String, String> environment;
    private final int port;
    private final Path log;
    private Process process;
    private int starts;

    /**
     * @param name        for messages and the log file
     * @param home        the working directory; the state directory and log live under it
     * @param environment {@code TALLY_} variables besides the state directory and the REST API's,
     *                    which this class sets
     */
    TallyProcess(String name, Path home, Map<String, String> environment) {
        this.name = name;
        this.home = home;
        this.port = freePort();
        this.log = home.resolve(name + ".log");
        this.environment = new HashMap<>(environment);
        this.environment.put("TALLY_STATE_DIR", stateDir().toString());
        this.environment.put("TALLY_HTTP_HOST", "127.0.0.1");
        this.environment.put("TALLY_HTTP_PORT", String.valueOf(port));
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    Path stateDir() {
        return home.resolve("state");
    }

    /** Starts the process (again); returns at once, see {@link #awaitReady}. */
    synchronized TallyProcess start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        try {
            Files.createDirectories(home);
            Files.writeString(log, "---- start " + ++starts + " of " + name + " ----\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // Small and cheap to start: the machine's cores are shared by every instance and the broker.
                    "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    // Surefire's class path: the real one even when surefire forks with a manifest-only
                    // jar (it sets java.class.path to the test class path, and a manifest's Class-Path works with -cp).
                    "-cp", System.getProperty("java.class.path"),
                    "io.tally.Tally", "run"));
            ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // Only what this test sets: a TALLY_ variable of whoever runs the build must not leak in.
            builder.environment().keySet().removeIf(key -> key.startsWith("TALLY_"));
            builder.environment().putAll(environment);
            process = builder.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** Waits until {@code GET /health/ready} answers 200 (Kafka Streams RUNNING); fails at once if the process exits. */
    TallyProcess awaitReady(Duration atMost) {
        await(name + " ready").atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + "\n" + tail(60));
            }
            return ready();
        });
        return this;
    }

    boolean ready() {
        try {
            return get("/health/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    HttpResponse<String> get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET().build();
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: the process ends at once, its Kafka transaction open and its state directory unclean. */
    synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(30));
        }
    }

    /** SIGTERM, then waits for the clean shutdown (commit, close, leave the group); SIGKILL if it hangs. */
    synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!waitFor(STOP_TIMEOUT)) {
                process.destroyForcibly();
                waitFor(Duration.ofSeconds(30));
                throw new AssertionError(name + " did not stop within " + STOP_TIMEOUT + " of SIGTERM\n" + tail(60));
            }
        }
    }

    /** The exit code of the last run, or null while it runs or before it started. */
    synchronized Integer exitCode() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    /** The last lines of the instance's log (every start of it, appended). */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "---- " + name + ": last " + Math.min(lines, all.size()) + " of " + all.size() + " lines of " + log
                    + " ----\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "---- " + name + ": no log at " + log + " (" + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (port " + port + (isAlive() ? ", running" : ", stopped") + ")";
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
