package io.tally.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.analytics.AnalyticsQueries;
import io.tally.ledger.RejectionCode;
import io.tally.stream.LedgerEvents;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An instance's metrics in Prometheus' text format at {@code /metrics}: transactions applied per
 * resource and rejections per code (counted by the ledger as it decides), HTTP requests per route
 * and status, every Kafka Streams, consumer and producer metric (among them
 * {@code kafka_consumer_fetch_manager_records_lag_max}, the consolidation lag) but those of each
 * state store ({@link #STATE_STORE_METRICS}), those of the REST API's producer and outcome reader,
 * and the JVM's.
 */
public final class TallyMetrics implements LedgerEvents, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<RejectionCode, Counter> rejections = new EnumMap<>(RejectionCode.class);
    private final Map<String, Counter> applied = new ConcurrentHashMap<>();
    private final Map<RequestKind, Timer> requests = new ConcurrentHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private KafkaStreamsMetrics streamsMetrics;
    private final List<KafkaClientMetrics> clientMetrics = new CopyOnWriteArrayList<>();

    /**
     * Kafka Streams' metrics of each state store (RocksDB's properties and statistics, puts, flushes,
     * restores): about 80 for each store, 2,218 of the 4,208 lines of a four-partition instance's
     * page, where 28 stores reported. Writing them is most of a scrape's work, and at 5,000 sync
     * writes/s on two cores one scrape of the full page put the p99 of the next seconds at 0.5–2 s
     * (docs/BENCHMARKS.md, twenty-second round). They stay recorded, and Kafka's JMX reporter
     * still shows them ({@code kafka.streams:type=stream-state-metrics}). The state updater's
     * ({@code kafka.stream.state.updater.}: restoring and standby tasks, restore rates, one set per
     * thread) are kept.
     */
    static final String STATE_STORE_METRICS = "kafka.stream.state.";
    private static final String STATE_UPDATER_METRICS = "kafka.stream.state.updater.";

    public TallyMetrics() {
        // Before any meter is registered: a filter applies to meters registered after it.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith(STATE_STORE_METRICS)
                && !id.getName().startsWith(STATE_UPDATER_METRICS)));
        for (RejectionCode code : RejectionCode.values()) {
            rejections.put(code, Counter.builder("tally.rejections").tag("code", code.name())
                    .description("commands refused, by rejection code").register(registry));
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    /** Exports the metrics of these streams, and of their consumers and producers, from now on. */
    public void bind(KafkaStreams streams) {
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    /** Exports the metrics of a producer outside Kafka Streams (the REST API's), from now on. */
    public void bind(Producer<?, ?> producer) {
        bind(new KafkaClientMetrics(producer));
    }

    /** Exports the metrics of a consumer outside Kafka Streams (the REST API's outcome reader), from now on. */
    public void bind(Consumer<?, ?> consumer) {
        bind(new KafkaClientMetrics(consumer));
    }

    private void bind(KafkaClientMetrics client) {
        client.bindTo(registry);
        clientMetrics.add(client);
    }

    /** Exports the REST API's server threads: how many there are, how many are busy, and the limit. */
    public void bind(org.eclipse.jetty.util.thread.ThreadPool serverThreads) {
        new JettyServerThreadPoolMetrics(serverThreads, List.of()).bindTo(registry);
    }

    /** Exports how many HTTP requests are in progress: sync writes waiting for their commit among them. */
    public void requestsInProgress(java.util.function.Supplier<Number> count) {
        Gauge.builder("tally.http.requests.active", count)
                .description("HTTP requests received and not yet answered, sync writes waiting for their commit among them")
                .register(registry);
    }

    /** Counts the stored analytics values that top-N queries left out because they could not be read. */
    public void bind(AnalyticsQueries analytics) {
        FunctionCounter.builder("tally.analytics.unreadable.skipped", analytics, AnalyticsQueries::unreadableSkipped)
                .description("stored analytics values left out of top-N answers because they could not be read (each key is logged once)")
                .register(registry);
    }

    @Override
    public void applied(String resource) {
        applied.computeIfAbsent(resource, name -> Counter.builder("tally.transactions").tag("resource", name)
                .description("transactions applied, by resource").register(registry)).increment();
    }

    @Override
    public void rejected(RejectionCode code) {
        rejections.get(code).increment();
    }

    /** Records one answered HTTP request under its route template, never its raw path. */
    public void request(String method, String route, int status, Duration took) {
        // Looked up, not built: per request, a builder, its tag lists and a registry lookup made the
        // same few timers again.
        requests.computeIfAbsent(new RequestKind(method, route, status), kind -> Timer.builder("tally.http.requests")
                .tag("method", kind.method()).tag("route", kind.route()).tag("status", String.valueOf(kind.status()))
                .publishPercentileHistogram(false).register(registry)).record(took);
    }

    /** The tags of a request's timer; routes are templates and statuses few, so there are few. */
    private record RequestKind(String method, String route, int status) {
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        clientMetrics.forEach(KafkaClientMetrics::close);
        gc.close();
        registry.close();
    }
}
