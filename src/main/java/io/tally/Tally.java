package io.tally;

import io.tally.analytics.AnalyticsQueries;
import io.tally.cli.TallyCli;
import io.tally.config.Settings;
import io.tally.http.HttpApi;
import io.tally.kafka.ApplyReport;
import io.tally.kafka.EmbeddedKafka;
import io.tally.kafka.TopicAdmin;
import io.tally.kafka.TopicDeclarations;
import io.tally.kafka.TopicOverrides;
import io.tally.ledger.Ledger;
import io.tally.metrics.TallyMetrics;
import io.tally.stream.AppliedOffsets;
import io.tally.stream.LedgerEvents;
import io.tally.stream.StreamsPartialStores;
import io.tally.stream.StreamsProperties;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The composition root: settings → (embedded broker) → topics → topology → Kafka Streams, and a
 * clean shutdown in reverse. No logic of its own lives here.
 */
public final class Tally implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Tally.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private final EmbeddedKafka broker;
    private final String bootstrapServers;
    private final KafkaStreams streams;
    private final AnalyticsQueries analytics;
    private HttpApi http;
    private TallyMetrics metrics;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Tally(EmbeddedKafka broker, String bootstrapServers, KafkaStreams streams, AnalyticsQueries analytics) {
        this.broker = broker;
        this.bootstrapServers = bootstrapServers;
        this.streams = streams;
        this.analytics = analytics;
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
    }

    public static void main(String[] args) {
        System.exit(TallyCli.execute(args));
    }

    /** Starts the service and returns once Kafka Streams has been started (it may still be rebalancing). */
    public static Tally start(Settings settings) {
        EmbeddedKafka broker = settings.embedded() ? EmbeddedKafka.start(settings.dataDir(), settings.embeddedPort()) : null;
        String bootstrap = broker != null ? broker.bootstrapServers() : settings.bootstrapServers();
        HttpApi http = null;
        TallyMetrics metrics = new TallyMetrics();
        AppliedOffsets applied = new AppliedOffsets();
        try {
            if (settings.applyTopics()) {
                LOG.info("topics: {}", applyTopics(settings, bootstrap));
            }
            Ledger ledger = new Ledger(settings.resources(), settings.maxPendingPerRecord());
            int partitions = commandPartitions(settings, bootstrap);
            http = settings.http().enabled() ? HttpApi.bind(settings, bootstrap, partitions, metrics) : null;
            String applicationServer = http == null ? null : http.advertised().host() + ":" + http.advertised().port();
            KafkaStreams streams = new KafkaStreams(
                    TallyTopology.build(ledger, settings.dedupeHorizon(), settings.maxCommandBytes(),
                            settings.analytics(), LedgerEvents.both(metrics, applied), settings.syncCommitSpacing()),
                    StreamsProperties.of(settings, bootstrap, applicationServer, partitions));
            // A bug in the ledger must not be skipped over: stop this instance and let it be restarted.
            streams.setUncaughtExceptionHandler(error -> {
                LOG.error("Kafka Streams failed; shutting this instance down", error);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            AnalyticsQueries analytics = http != null ? http.attach(streams, applied) : new AnalyticsQueries(
                    new StreamsPartialStores(streams, partitions), settings.resources(), settings.analytics());
            metrics.bind(streams);
            metrics.bind(analytics);
            Tally tally = new Tally(broker, bootstrap, streams, analytics);
            tally.http = http;
            tally.metrics = metrics;
            streams.start();
            if (http != null) {
                LOG.info("REST API on http://{}:{}/ (advertised as {})", settings.http().host(), http.port(), applicationServer);
            }
            LOG.info("Tally started on {} ({}), resources {}", bootstrap, broker != null ? "embedded broker" : "cluster",
                    settings.resources().keySet());
            return tally;
        } catch (RuntimeException e) {
            if (http != null) {
                http.close();
            }
            metrics.close();
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    /** Creates or updates the topics of {@code topics/}; idempotent. */
    public static ApplyReport applyTopics(Settings settings, String bootstrap) {
        try (Admin admin = Admin.create(settings.kafkaClient(bootstrap))) {
            return TopicAdmin.apply(admin, TopicDeclarations.fromClasspath(),
                    TopicOverrides.partitions(settings.topicPartitions()));
        } catch (IllegalStateException e) {
            throw unreachable(bootstrap, e);
        }
    }

    /**
     * {@code failure}, naming the Kafka it could not reach when that is why: Kafka's own message
     * ("Timed out waiting for a node assignment") does not say where it looked.
     */
    private static IllegalStateException unreachable(String bootstrap, IllegalStateException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException
                    || cause instanceof TimeoutException) {
                return new IllegalStateException("Kafka at " + bootstrap + " did not answer in time (bootstrapServers: is it "
                        + "running and reachable from here?): " + failure.getMessage(), failure);
            }
        }
        return failure;
    }

    /** The partition count of the command topic: how many partials every analytics query merges. */
    private static int commandPartitions(Settings settings, String bootstrap) {
        try (Admin admin = Admin.create(settings.kafkaClient(bootstrap))) {
            return admin.describeTopics(List.of(TallyTopics.COMMANDS)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(TallyTopics.COMMANDS).partitions().size();
        } catch (ExecutionException e) {
            throw unreachable(bootstrap, new IllegalStateException("cannot read topic " + TallyTopics.COMMANDS
                    + " (apply the topics with 'tally topics apply' or applyTopics: true): " + e.getCause().getMessage(),
                    e.getCause()));
        } catch (TimeoutException e) {
            throw unreachable(bootstrap, new IllegalStateException("cannot read topic " + TallyTopics.COMMANDS
                    + " within 30 s", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading topic " + TallyTopics.COMMANDS, e);
        }
    }

    /** Analytics queries over this instance's stores. */
    public AnalyticsQueries analytics() {
        return analytics;
    }

    /** The port the REST API listens on. */
    public int httpPort() {
        if (http == null) {
            throw new IllegalStateException("the REST API is disabled (http.enabled: false)");
        }
        return http.port();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public KafkaStreams streams() {
        return streams;
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        // Leaving the group on a clean close lets the rest of the group rebalance at once instead
        // of waiting out the session timeout of a member that will not come back.
        streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        metrics.close();
        if (broker != null) {
            broker.close();
        }
    }

    /**
     * Blocks until Kafka Streams stops: on a JVM shutdown (closed by the hook) or a fatal error.
     *
     * @return whether it stopped on a fatal error, which the process reports by its exit code so
     *         that a supervisor restarting only failed processes restarts it
     */
    public boolean runUntilShutdown() throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "tally-shutdown"));
        stopped.await();
        if (streams.state() == KafkaStreams.State.ERROR) {
            LOG.error("Kafka Streams stopped with an error");
            close();
            return true;
        }
        return false;
    }
}
