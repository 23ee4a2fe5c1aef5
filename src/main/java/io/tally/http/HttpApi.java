package io.tally.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.util.ConcurrencyUtil;
import io.tally.analytics.AnalyticsQueries;
import io.tally.config.HttpSettings;
import io.tally.config.Settings;
import io.tally.ledger.Amounts;
import io.tally.ledger.Consistency;
import io.tally.ledger.FieldSpec;
import io.tally.ledger.Op;
import io.tally.ledger.RecordKey;
import io.tally.ledger.ResourceSpec;
import io.tally.ledger.TxIds;
import io.tally.metrics.TallyMetrics;
import io.tally.stream.CommandParser;
import io.tally.stream.Json;
import io.tally.stream.StreamsPartialStores;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.StatisticsHandler;

import org.apache.kafka.common.utils.ThreadUtils;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Tally's REST API on Javalin: writes become commands on {@code tally.commands} (validated first,
 * so bad input produces nothing), reads come from this instance's stores, analytics from the
 * query service. Errors are {@code {"error": CODE, "message": ...}} with the fitting status.
 */
public final class HttpApi implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpApi.class);
    private final Settings settings;
    private final int partitions;
    private static final byte[] SYNC_HEADER_VALUE = {'1'};
    /** Connections the kernel may hold for the REST port until they are accepted. */
    private static final int ACCEPT_QUEUE = 1024;
    /** Characters of header fields each connection caches (Jetty's default 1,024 costs 96 KB a connection; this, 24 KB). */
    private static final int HEADER_CACHE_CHARS = 256;
    /** Server threads kept even when idle, as Javalin keeps. */
    private static final int MIN_SERVER_THREADS = 8;
    /** Beyond {@code http.syncTimeout}, how long a stopping server waits for the last answers to be written. */
    private static final long STOP_MARGIN_MS = 2_000;
    /** The least time another instance has to answer a forwarded request. */
    private static final java.time.Duration FORWARD_TIMEOUT = java.time.Duration.ofSeconds(10);
    /** Beyond {@code http.syncTimeout}, how long a forwarded read that waits for its write may take. */
    private static final java.time.Duration FORWARD_MARGIN = java.time.Duration.ofSeconds(2);
    /** Analytics queries answered at once, and waiting beyond those: past both, a 503. */
    private static final int QUERY_THREADS = 8;
    private static final int QUERY_QUEUE = 64;
    private final KafkaProducer<String, byte[]> producer;
    /** The stream's own reader of commands: what it would refuse as malformed is refused here, before it is produced. */
    private final CommandParser commandCheck;
    private final CommittedOutcomes outcomes;
    private final Forwarder forwarder;
    private final TallyMetrics metrics;
    /**
     * Writes the answers of writes once Kafka has their command (async) or their outcome is committed
     * (sync): off the producer's I/O thread and the outcome reader's.
     */
    private final java.util.concurrent.ExecutorService answering = java.util.concurrent.Executors.newFixedThreadPool(8,
            ThreadUtils.createThreadFactory("tally-answers", true));
    /**
     * Answers analytics queries, which hold their thread while they read (other instances too):
     * never the server's threads, which then only wait on local work.
     */
    private final java.util.concurrent.ThreadPoolExecutor querying = new java.util.concurrent.ThreadPoolExecutor(
            QUERY_THREADS, QUERY_THREADS, 60, TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(QUERY_QUEUE),
            ThreadUtils.createThreadFactory("tally-queries", true));
    private final Javalin app;
    private volatile KafkaStreams streams;
    private volatile StreamsPartialStores localPartials;
    private volatile AnalyticsHandler analytics;
    private volatile RecordsHandler records;
    private volatile TransfersHandler transfers;
    private volatile ReadYourWrites readYourWrites;
    private volatile ConsistencyHandler consistency;
    private final String bootstrap;
    /** Set once this instance begins to stop: a live-change stream opening from then on is ended at once. */
    private volatile boolean stopping;
    /** Open live-change streams, ended when the instance stops (a stop waits for every open request). */
    private final java.util.Set<io.javalin.http.sse.SseClient> watchers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Counts the requests in progress, which is what lets a stop wait for those answered asynchronously. */
    private final StatisticsHandler inProgress = new StatisticsHandler();

    private HttpApi(Settings settings, String bootstrap, int partitions, TallyMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.commandCheck = new CommandParser(settings.maxCommandBytes());
        Map<String, Object> producerConfig = settings.kafkaClient(bootstrap);
        producerConfig.putAll(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // Writes arriving within 5 ms share a produce request: at 1,000 writes/s a request
                // each was the broker's largest cost, and 5 ms is small beside the commit waited for.
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000));
        // send() itself waits for the topic's metadata and for room in the buffer, on the server
        // thread: by default no longer than a write waits for its answer, not the producer's minute.
        producerConfig.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.http().syncTimeout().toMillis());
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
        this.outcomes = new CommittedOutcomes(settings.kafkaClient(bootstrap));
        metrics.bind(producer);
        outcomes.exportMetrics(metrics);
        metrics.requestsInProgress(inProgress::getRequestsActive);
        querying.allowCoreThreadTimeOut(true);
        HttpSettings http = settings.http();
        // A read forwarded to its owner may wait there for its write, up to the sync timeout.
        this.forwarder = new Forwarder(http.readToken(), Collections.max(List.of(FORWARD_TIMEOUT,
                http.syncTimeout().plus(FORWARD_MARGIN))));
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            // Measured when the answer is written: after-handlers do not run for a request whose
            // future failed (a read that timed out waiting for its write, a peer that did not answer).
            config.requestLogger.http((ctx, millis) -> measure(ctx));
            // The pool Javalin would make, bounded by http.maxThreads.
            config.jetty.threadPool = ConcurrencyUtil.jettyThreadPool("JettyServerThreadPool",
                    Math.min(MIN_SERVER_THREADS, http.maxThreads()), http.maxThreads(), false);
            config.http.maxRequestSize = http.maxBodyBytes();
            // A path served with other methods answers 405 naming them, not 404.
            config.http.prefer405over404 = true;
            // Javalin copies each answer to Jetty through a new buffer of this size (by default
            // Jetty's 32 KB output buffer): at 2,000 writes/s that was 17% of everything the
            // service allocated, for answers of a few hundred bytes. Jetty still buffers the output.
            config.http.responseBufferSize = 4096;
            config.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            // A stop waits for the requests in progress: a sync write waiting for its commit still
            // gets its outcome (or its 504 with the txId) rather than a reset connection, which would
            // leave its client not knowing whether the write happened. Javalin nests its handler inside.
            config.jetty.modifyServer(server -> {
                server.setHandler(inProgress);
                server.setStopTimeout(http.syncTimeout().toMillis() + STOP_MARGIN_MS);
                server.setErrorHandler(new JsonErrors());
            });
            config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrors()));
            config.jetty.addConnector((server, httpConfig) -> {
                // Jetty caches the header fields each connection has seen in a table sized for 1,024
                // characters: a 96 KB array per connection, made at its first request and kept as long
                // as it is open. A client whose pool opens and closes connections (tally load's did,
                // 27 a second at 3,000 writes/s) made them the largest objects outliving a young
                // collection. The header lines of its requests (Host, User-Agent, Accept-Encoding,
                // Content-Type) come to about 100 characters.
                httpConfig.setHeaderCacheSize(HEADER_CACHE_CHARS);
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                connector.setHost(http.host());
                connector.setPort(http.port());
                // Jetty asks for no particular backlog, and Java then asks the kernel for 50
                // connections waiting to be accepted. Clients whose pools grow at once after a slow
                // moment connect in bursts; past the backlog the kernel drops their SYNs and each
                // waits out a one-second retransmission. The kernel caps this at net.core.somaxconn.
                connector.setAcceptQueueSize(ACCEPT_QUEUE);
                return connector;
            });
            // The dashboard: static files from the classpath folder public/, served at /.
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/public";
                files.location = io.javalin.http.staticfiles.Location.CLASSPATH;
            });
        });
        routes();
    }

    /**
     * Starts listening before Kafka Streams exists, so that the port (chosen when the settings say
     * 0) can be advertised as {@code application.server}; requests answer 503 until {@link #attach}.
     */
    public static HttpApi bind(Settings settings, String bootstrap, int partitions, TallyMetrics metrics) {
        HttpApi api = new HttpApi(settings, bootstrap, partitions, metrics);
        try {
            api.app.start();
            metrics.bind(api.app.jettyServer().threadPool());
        } catch (Exception e) {
            // Javalin rethrows Jetty's checked exceptions unchecked: Exception, not RuntimeException.
            try {
                api.close();
            } catch (RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            // Jetty stops itself when it cannot listen, and its stop's own failure is what reaches here.
            LOG.debug("the REST API did not start", e);
            String host = settings.http().host();
            int port = settings.http().port();
            throw new IllegalStateException("the REST API did not start on " + host + ":" + port + " (http.host, http.port): "
                    + whyNotListening(host, port, e));
        }
        return api;
    }

    /** What the operating system says to listening on {@code host:port}, or failing that what Jetty said. */
    private static String whyNotListening(String host, int port, Exception failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return cause.getMessage();
            }
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException | RuntimeException refused) {
            return refused.getMessage() != null ? refused.getMessage() : refused.toString();
        }
        return String.valueOf(failure.getMessage());
    }

    /** Serves from these streams from now on; returns the analytics queries over the whole deployment. */
    public AnalyticsQueries attach(KafkaStreams streams, io.tally.stream.AppliedOffsets applied) {
        this.readYourWrites = new ReadYourWrites(settings, bootstrap, applied);
        StreamsPartialStores local = new StreamsPartialStores(streams, partitions);
        AnalyticsQueries queries = new AnalyticsQueries(new ClusterPartialStores(streams, local, advertised(), partitions,
                forwarder), settings.resources(), settings.analytics());
        this.localPartials = local;
        this.analytics = new AnalyticsHandler(queries, settings);
        this.records = new RecordsHandler(settings, streams, advertised(), partitions, forwarder, readYourWrites,
                app.jettyServer().threadPool());
        this.transfers = new TransfersHandler(streams, advertised(), partitions, forwarder);
        this.consistency = new ConsistencyHandler(streams, applied, readYourWrites, advertised(), forwarder,
                app.jettyServer().threadPool());
        this.streams = streams;
        return queries;
    }

    public int port() {
        return app.port();
    }

    /** Where the other instances reach this one: {@code http.advertisedHost} (or the listening host) and the port. */
    public HostInfo advertised() {
        String host = settings.http().advertisedHost();
        if (host == null || host.isBlank()) {
            host = settings.http().host().equals("0.0.0.0") ? localHostName() : settings.http().host();
        }
        return new HostInfo(host, port());
    }

    private static String localHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * The streams reads are answered from. Between {@link #attach} and {@code KafkaStreams.start()}
     * (and while it stops) Kafka Streams refuses interactive queries with an exception, which would
     * be a 500: a starting instance answers 503 like a rebalancing one instead.
     */
    private KafkaStreams streams() {
        KafkaStreams attached = streams;
        if (attached == null) {
            throw ApiError.unavailable("starting: Kafka Streams is not running yet");
        }
        KafkaStreams.State state = attached.state();
        if (!state.isRunningOrRebalancing()) {
            throw ApiError.unavailable("Kafka Streams is " + state + " (starting or stopping)");
        }
        return attached;
    }

    private void routes() {
        app.get("/health/live", ctx -> health(ctx, streams == null
                || streams.state().isRunningOrRebalancing() || streams.state() == KafkaStreams.State.CREATED, false));
        app.get("/health/ready", ctx -> health(ctx, streams != null && streams.state() == KafkaStreams.State.RUNNING, true));
        app.get("/openapi.json", this::openApi);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        // One before-handler for every path, which looks at the path itself: Javalin matches each
        // before-handler's path pattern (a regular expression) against every request.
        app.before(this::before);
        // Analytics first: "analytics" is a reserved resource name, so these paths never mean a record.
        app.get("/v1/analytics/{resource}/{field}/top", ctx -> query(ctx, analytics()::top));
        app.get("/v1/analytics/{resource}/{field}", ctx -> query(ctx, analytics()::rows));
        app.sse("/v1/changes", this::changes);
        app.get("/internal/v1/partials", this::partials);
        app.get("/internal/v1/partial", this::partial);
        app.get("/internal/v1/ids", ctx -> records().localIds(ctx));
        app.get("/internal/v1/transfer", ctx -> transfers().localNotes(ctx));
        app.get("/internal/v1/unsettled", ctx -> consistency().localUnsettled(ctx));
        app.get("/v1/consistency", ctx -> consistency().report(ctx));
        // Before the record routes: "transfers" is a reserved resource name, so these never mean a record.
        app.post("/v1/transfers", this::transfer);
        app.get("/v1/transfers/{transferId}", ctx -> transfers().read(ctx, ctx.pathParam("transferId")));
        app.get("/internal/v1/transaction", ctx -> records().localTransaction(ctx));
        app.get("/v1/{resource}", ctx -> records().list(ctx, resource(ctx)));
        app.post("/v1/{resource}/{id}", this::create);
        app.get("/v1/{resource}/{id}", ctx -> records().read(ctx, resource(ctx), id(ctx)));
        app.get("/v1/{resource}/{id}/{field}", ctx -> {
            ResourceSpec resource = resource(ctx);
            records().fieldAsOf(ctx, resource, id(ctx), field(resource, ctx.pathParam("field")));
        });
        app.get("/v1/{resource}/{id}/{field}/transactions", ctx -> {
            ResourceSpec resource = resource(ctx);
            records().history(ctx, resource, id(ctx), field(resource, ctx.pathParam("field")));
        });
        app.delete("/v1/{resource}/{id}", this::delete);
        app.post("/v1/{resource}/{id}/{field}/{op}", this::change);
        app.exception(ApiError.class, (error, ctx) -> respond(ctx, error, null, null));
        app.exception(ReadYourWrites.NotYetApplied.class, (error, ctx) ->
                ctx.header("Retry-After", "1").status(503).json(Map.of("error", "NOT_YET_APPLIED", "message", error.getMessage())));
        app.exception(StreamsPartialStores.IncompleteException.class, (error, ctx) ->
                ctx.header("Retry-After", "1").status(503).json(Map.of("error", "UNAVAILABLE", "message", error.getMessage())));
        app.exception(HttpResponseException.class, (error, ctx) -> {
            int status = error.getStatus();
            String code = switch (status) {
                case 404 -> "NOT_FOUND";
                case 405 -> "METHOD_NOT_ALLOWED";
                case 413 -> "TOO_LARGE";
                case 500 -> "INTERNAL";
                default -> status > 500 ? "UNAVAILABLE" : "BAD_REQUEST";
            };
            String message = error.getMessage();
            if (status == 404) {
                message = "no such endpoint: " + ctx.req().getMethod() + " " + ctx.path();
            } else if (status == 405) {
                // Javalin's one detail is the methods the path takes (its key depends on the request's Accept).
                String allowed = error.getDetails().values().stream().findFirst().orElse("");
                ctx.header("Allow", allowed);
                message = ctx.req().getMethod() + " is not allowed on " + ctx.path() + "; it takes " + allowed;
            } else if (status > 500) {
                ctx.header("Retry-After", "1");
            }
            ctx.status(status).json(Map.of("error", code, "message", message));
        });
        // What no handler expected is a bug: logged with its trace, answered in the API's form without it.
        app.exception(Exception.class, (error, ctx) -> {
            LOG.error("{} {} failed", ctx.req().getMethod(), ctx.path(), error);
            ctx.status(500).json(Map.of("error", "INTERNAL", "message",
                    "the request failed unexpectedly; the server's log has the details"));
        });
    }

    /**
     * Answers an analytics query on the queries' threads: it may read every partition, other
     * instances' over HTTP, and take seconds over a million records, holding its thread throughout.
     */
    private void query(Context ctx, java.util.function.Consumer<Context> answer) {
        // Submitted once Javalin has made the request asynchronous, so the query never writes into
        // a request the server thread is still handling.
        ctx.future(() -> {
            try {
                return CompletableFuture.runAsync(() -> answer.accept(ctx), querying);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                throw ApiError.unavailable("too many analytics queries at once (" + QUERY_THREADS + " running, "
                        + QUERY_QUEUE + " waiting); retry shortly");
            }
        });
    }

    private AnalyticsHandler analytics() {
        streams();
        return analytics;
    }

    private static final String STARTED = "tally.started";

    private void measure(Context ctx) {
        Long started = ctx.attribute(STARTED);
        if (started == null) {
            return;
        }
        String route;
        try {
            route = ctx.endpointHandlerPath();
        } catch (RuntimeException unmatched) {
            route = "unmatched";
        }
        metrics.request(ctx.method().name(), route, ctx.statusCode(), java.time.Duration.ofNanos(System.nanoTime() - started));
    }

    private ConsistencyHandler consistency() {
        streams();
        return consistency;
    }

    private TransfersHandler transfers() {
        streams();
        return transfers;
    }

    /**
     * {@code POST /v1/transfers}: {@code {"from": {resource, id, field}, "to": {...}, "amount": ...,
     * "meta": {...}}}; the Idempotency-Key is the transfer's id. Sync (the source resource's
     * consistency, or {@code ?mode=}) answers when the saga has ended.
     */
    private void transfer(Context ctx) throws Exception {
        streams();
        JsonNode body = body(ctx, false);
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!java.util.Set.of("from", "to", "amount", "meta").contains(name)) {
                throw ApiError.badRequest("unknown body field '" + name + "'; a transfer takes from, to, amount and meta");
            }
        }
        JsonNode from = leg(body, "from");
        JsonNode to = leg(body, "to");
        ResourceSpec source = resource(from.get("resource").asText());
        ResourceSpec target = resource(to.get("resource").asText());
        FieldSpec sourceField = field(source, from.get("field").asText());
        FieldSpec targetField = field(target, to.get("field").asText());
        if (!body.hasNonNull("amount")) {
            throw ApiError.badRequest("a transfer needs an amount, e.g. {\"amount\": \"12.50\"}");
        }
        String amount = amount(body.get("amount"), sourceField, "amount", Op.TRANSFER);
        amount(body.get("amount"), targetField, "amount", null);
        ObjectNode command = command(Op.TRANSFER, source, from.get("id").asText());
        command.put("field", sourceField.name()).put("amount", amount);
        command.putObject("to").put("resource", target.name()).put("id", to.get("id").asText()).put("field", targetField.name());
        if (body.has("meta")) {
            command.set("meta", meta(body.get("meta")));
        }
        String transferId = idempotencyKey(ctx);
        if (transferId != null && (!RecordKey.validTxId(transferId) || transferId.length() > RecordKey.MAX_TX_ID_LENGTH - 8)) {
            throw ApiError.badRequest("a transfer's Idempotency-Key must be 1-" + (RecordKey.MAX_TX_ID_LENGTH - 8)
                    + " letters, digits or . _ : -");
        }
        if (transferId == null) {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            transferId = TxIds.fresh(System.currentTimeMillis(), random.nextLong(), random.nextLong());
        }
        command.put("txId", transferId);
        boolean sync = mode(ctx, source) == Consistency.SYNC;
        String id = transferId;
        String sourceKey = RecordKey.of(source.name(), from.get("id").asText());
        String targetKey = RecordKey.of(target.name(), to.get("id").asText());
        byte[] checked = checked(sourceKey, command);
        // The credit is the target's transaction, the refund the source's.
        CompletableFuture<CommittedOutcomes.Outcome> debit = sync ? outcomes.expect(sourceKey, id) : null;
        CompletableFuture<CommittedOutcomes.Outcome> credit = sync ? outcomes.expect(targetKey, id + TransfersHandler.CREDIT) : null;
        CompletableFuture<CommittedOutcomes.Outcome> refund = sync ? outcomes.expect(sourceKey, id + TransfersHandler.REFUND) : null;
        long deadline = deadline();
        CompletableFuture<ConsistencyToken> written = produce(sourceKey, checked, sync, deadline);
        // Like a sync write, a transfer waits for its saga without holding a server thread.
        CompletableFuture<TransfersHandler.Steps> ended = sync
                ? written.thenCompose(token -> TransfersHandler.steps(debit, credit, refund, deadline))
                : written.thenApply(token -> null);
        // A repeated transfer id is answered with the original's state, which may be read from other
        // instances (seconds, when one is slow): asked without holding a thread meanwhile.
        // Off the outcome reader's thread, which ended the saga and answers every sync write.
        CompletableFuture<JsonNode> original = ended.thenComposeAsync(steps -> steps != null && steps.duplicate()
                ? transfers().state(id)
                : CompletableFuture.completedFuture(null), answering);
        ctx.future(() -> original.handleAsync((state, error) -> {
            TransfersHandler.Steps steps = error == null ? ended.join() : null;
            if (sync) {
                outcomes.forget(sourceKey, id);
                outcomes.forget(targetKey, id + TransfersHandler.CREDIT);
                outcomes.forget(sourceKey, id + TransfersHandler.REFUND);
            }
            if (error != null) {
                if (!written.isCompletedExceptionally() && !(unwrap(error) instanceof ApiError)) {
                    // Not the write but the original's lookup failed: a server error, as any other.
                    throw new CompletionException(unwrap(error));
                }
                respond(ctx, unwritten(error), "transferId", id);
                return null;
            }
            ctx.header(ConsistencyToken.HEADER, written.join().toString());
            if (sync) {
                TransfersHandler.answer(ctx, id, steps, settings.http().syncTimeout().toMillis(), state);
            } else {
                ctx.status(202).json(Map.of("transferId", id, "state", "pending"));
            }
            return null;
        }, answering));
    }

    private static JsonNode leg(JsonNode body, String name) {
        JsonNode leg = body.get(name);
        if (leg == null || !leg.isObject() || !leg.path("resource").isTextual() || !leg.path("id").isTextual()
                || !leg.path("field").isTextual() || leg.size() != 3) {
            throw ApiError.badRequest(name + " must be {\"resource\": ..., \"id\": ..., \"field\": ...}");
        }
        String problem = RecordKey.idProblem(leg.get("id").asText());
        if (problem != null) {
            throw ApiError.badRequest(name + ".id: " + problem);
        }
        return leg;
    }

    private RecordsHandler records() {
        streams();
        return records;
    }

    /** Every request: its start for the request metrics, then the checks its path needs. */
    private void before(Context ctx) {
        ctx.attribute(STARTED, System.nanoTime());
        String path = ctx.path();
        if (path.startsWith("/v1/") || path.startsWith("/internal/")) {
            authorize(ctx);
            // Decoding would put U+FFFD for a broken escape, or drop the parameter: two ids would name one record.
            String problem = PercentEncoding.problem(ctx.req().getRequestURI());
            if (problem == null && ctx.queryString() != null) {
                problem = PercentEncoding.problem(ctx.queryString());
            }
            if (problem != null) {
                throw ApiError.badRequest("the request's URI " + problem);
            }
        }
        if (path.equals("/v1/changes") || path.equals("/v1/changes/")) {
            checkChanges(ctx);
        }
    }

    /**
     * Bearer tokens, when configured: reads (GET, live changes, the instances' internal calls) need
     * the read or the write token, writes need the write token.
     */
    private void authorize(Context ctx) {
        HttpSettings http = settings.http();
        boolean write = !ctx.method().name().equals("GET") && !ctx.method().name().equals("HEAD");
        if (write ? http.writeToken().isEmpty() : http.readToken().isEmpty() && http.writeToken().isEmpty()) {
            return;
        }
        String header = ctx.header("Authorization");
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (token == null) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "UNAUTHORIZED", "send Authorization: Bearer <token>; this API needs a "
                    + (write ? "write" : "read") + " token");
        }
        boolean allowed = matches(token, http.writeToken()) || !write && matches(token, http.readToken());
        if (!allowed) {
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw new ApiError(write && matches(token, http.readToken()) ? 403 : 401,
                    write && matches(token, http.readToken()) ? "FORBIDDEN" : "UNAUTHORIZED",
                    write && matches(token, http.readToken()) ? "the read token cannot write; use the write token"
                            : "the bearer token is not valid here");
        }
    }

    /** Compares in constant time, so the answer's timing tells nothing of the token. */
    private static boolean matches(String presented, String configured) {
        return !configured.isEmpty() && java.security.MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), configured.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Readiness also needs the outcome reader: without it every sync write of this instance times
     * out, so a stopped reader takes the instance out of service. Liveness does not: a cause shared
     * by every instance (an ACL on the outcome topics, say) would otherwise restart them all in a
     * loop and stop consolidation too.
     */
    private void health(Context ctx, boolean ok, boolean needsOutcomes) {
        String state = streams == null ? "STARTING" : streams.state().name();
        String stopped = outcomes.stopped();
        if (stopped == null) {
            ctx.status(ok ? 200 : 503).json(Map.of("state", state));
        } else {
            ctx.status(ok && !needsOutcomes ? 200 : 503)
                    .json(Map.of("state", state, "outcomes", "stopped reading committed outcomes: " + stopped));
        }
    }

    private void checkChanges(Context ctx) {
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new ApiError(406, "NOT_ACCEPTABLE", "live changes are server-sent events: send Accept: text/event-stream");
        }
        String resource = ctx.queryParam("resource");
        if (resource != null && !settings.resources().containsKey(resource)) {
            throw new ApiError(404, "UNKNOWN_RESOURCE", "unknown resource '" + resource + "'; resources are "
                    + new java.util.TreeSet<>(settings.resources().keySet()));
        }
        if (ctx.queryParam("prefix") != null && resource == null) {
            throw ApiError.badRequest("prefix needs a resource");
        }
    }

    /**
     * Live changes as server-sent events (Eventbase's subscribe): every transaction committed from
     * now on, optionally of one resource and ids starting with a prefix, as event "transaction".
     */
    private void changes(io.javalin.http.sse.SseClient client) {
        String resource = client.ctx().queryParam("resource");
        String prefix = client.ctx().queryParam("prefix");
        client.keepAlive();
        java.util.function.Consumer<io.tally.ledger.Transaction> watcher = transaction -> {
            if ((resource == null || resource.equals(transaction.resource()))
                    && (prefix == null || transaction.id().startsWith(prefix))) {
                client.sendEvent("transaction", transaction);
            }
        };
        client.onClose(() -> {
            outcomes.unwatch(watcher);
            watchers.remove(client);
        });
        watchers.add(client);
        outcomes.watch(watcher);
        if (stopping) {
            client.close();
        }
    }

    /** This instance's share of a range of partial analytics, by partition, for a query merging the deployment. */
    private void partials(Context ctx) {
        streams();
        String from = ctx.queryParam("from");
        String to = ctx.queryParam("to");
        if (from == null || to == null) {
            throw ApiError.badRequest("from and to are required");
        }
        Map<String, Object> byPartition = new java.util.TreeMap<>();
        String only = ctx.queryParam("partition");
        if (only != null) {
            // One partition, which must be active here: a query reading the partitions one by one.
            int partition = partitionParam(only);
            List<List<String>> entries = new java.util.ArrayList<>();
            localPartials.localPartition(partition).range(from, to, (key, value) -> entries.add(partialEntry(key, value)));
            byPartition.put(String.valueOf(partition), entries);
        } else {
            localPartials.localRange(from, to).forEach((partition, entries) -> byPartition.put(String.valueOf(partition),
                    entries.stream().map(entry -> partialEntry(entry.getKey(), entry.getValue())).toList()));
        }
        ctx.json(Map.of("partitions", byPartition));
    }

    /** One analytics entry as the internal API sends it: {@code [key, base64 value]}. */
    private static List<String> partialEntry(String key, byte[] value) {
        return List.of(key, java.util.Base64.getEncoder().encodeToString(value));
    }

    private int partitionParam(String text) {
        int partition;
        try {
            partition = Integer.parseInt(String.valueOf(text));
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("partition must be a whole number");
        }
        if (partition < 0 || partition >= partitions) {
            throw ApiError.badRequest("partition must be between 0 and " + (partitions - 1));
        }
        return partition;
    }

    /** One partial analytics entry of a partition this instance is active for. */
    private void partial(Context ctx) {
        streams();
        String key = ctx.queryParam("key");
        if (key == null) {
            throw ApiError.badRequest("key and a partition between 0 and " + (partitions - 1) + " are required");
        }
        int partition = partitionParam(ctx.queryParam("partition"));
        byte[] value = localPartials.localPartition(partition).get(key);
        Map<String, Object> answer = new java.util.HashMap<>();
        answer.put("value", value == null ? null : java.util.Base64.getEncoder().encodeToString(value));
        ctx.json(answer);
    }

    private void openApi(Context ctx) throws IOException {
        try (InputStream spec = HttpApi.class.getResourceAsStream("/openapi.json")) {
            ctx.contentType("application/json").result(spec.readAllBytes());
        }
    }

    private void create(Context ctx) throws Exception {
        ResourceSpec resource = resource(ctx);
        String id = id(ctx);
        ObjectNode command = command(Op.CREATE, resource, id);
        JsonNode body = body(ctx, true);
        if (body != null) {
            ObjectNode values = command.putObject("values");
            Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("meta")) {
                    command.set("meta", meta(field.getValue()));
                    continue;
                }
                FieldSpec spec = field(resource, field.getKey());
                values.put(spec.name(), amount(field.getValue(), spec, field.getKey(), null));
            }
        }
        send(ctx, resource, command);
    }

    private void delete(Context ctx) throws Exception {
        ResourceSpec resource = resource(ctx);
        send(ctx, resource, command(Op.DELETE, resource, id(ctx)));
    }

    private void change(Context ctx) throws Exception {
        ResourceSpec resource = resource(ctx);
        String id = id(ctx);
        Op op = Op.fromWire(ctx.pathParam("op")).filter(named -> named.touchesField() && !named.transferStep()).orElseThrow(() -> new ApiError(404, "NOT_FOUND",
                "unknown operation '" + ctx.pathParam("op") + "'; use add, sub, set, increment or decrement"));
        FieldSpec field = field(resource, ctx.pathParam("field"));
        ObjectNode command = command(op, resource, id);
        command.put("field", field.name());
        JsonNode body = body(ctx, op == Op.INCREMENT || op == Op.DECREMENT);
        if (body != null) {
            Iterator<String> names = body.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!name.equals("amount") && !name.equals("meta")) {
                    throw ApiError.badRequest("unknown body field '" + name + "'; a change takes amount and meta");
                }
            }
            if (body.hasNonNull("amount")) {
                command.put("amount", amount(body.get("amount"), field, "amount", op));
            }
            if (body.has("meta")) {
                command.set("meta", meta(body.get("meta")));
            }
        }
        if (!command.has("amount") && op != Op.INCREMENT && op != Op.DECREMENT) {
            throw ApiError.badRequest(op.wireName() + " needs an amount, e.g. {\"amount\": \"12.50\"}");
        }
        send(ctx, resource, command);
    }

    private ObjectNode command(Op op, ResourceSpec resource, String id) {
        ObjectNode command = Json.MAPPER.createObjectNode();
        command.put("op", op.wireName()).put("resource", resource.name()).put("id", id);
        return command;
    }

    /** Produces the command; a sync write then waits for its committed outcome, an async one answers 202. */
    private void send(Context ctx, ResourceSpec resource, ObjectNode command) throws Exception {
        boolean sync = mode(ctx, resource) == Consistency.SYNC;
        String txId = idempotencyKey(ctx);
        if (txId != null && !RecordKey.validTxId(txId)) {
            throw ApiError.badRequest("Idempotency-Key must be 1-" + RecordKey.MAX_TX_ID_LENGTH
                    + " letters, digits or . _ : -");
        }
        if (txId == null) {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            txId = TxIds.fresh(System.currentTimeMillis(), random.nextLong(), random.nextLong());
        }
        command.put("txId", txId);
        String key = RecordKey.of(resource.name(), command.get("id").asText());
        byte[] checked = checked(key, command);
        CompletableFuture<CommittedOutcomes.Outcome> outcome = sync ? outcomes.expect(key, txId) : null;
        long deadline = deadline();
        CompletableFuture<ConsistencyToken> written = produce(key, checked, sync, deadline);
        String id = txId;
        if (!sync) {
            ctx.future(() -> written.handleAsync((token, error) -> {
                if (error != null) {
                    respond(ctx, unwritten(error), "txId", id);
                } else {
                    ctx.header(ConsistencyToken.HEADER, token.toString());
                    ctx.status(202).json(Map.of("txId", id, "status", "accepted"));
                }
                return null;
            }, answering));
            return;
        }
        // The request waits without holding a server thread, for Kafka's ack and then for the commit:
        // a thread per waiting write would cap sync writes at threads / commit latency.
        ctx.future(() -> written.thenCompose(token -> outcome.orTimeout(remainingMillis(deadline), TimeUnit.MILLISECONDS))
                .handleAsync((committed, error) -> {
                    if (error != null) {
                        outcomes.forget(key, id);
                    }
                    if (written.isCompletedExceptionally()) {
                        respond(ctx, unwritten(error), "txId", id);
                        return Writes.ANSWERED;
                    }
                    ctx.header(ConsistencyToken.HEADER, written.join().toString());
                    if (error == null) {
                        return Writes.answer(ctx, committed, sequence -> records().transaction(key, sequence));
                    }
                    ctx.status(504).json(Map.of("error", "TIMEOUT", "txId", id, "message", "no committed outcome within "
                            + settings.http().syncTimeout().toMillis() + " ms; the command is on the log and may still apply "
                            + "(a change to a record not yet created waits for its create)"));
                    return Writes.ANSWERED;
                }, answering).thenCompose(answered -> answered));
    }

    /** When a write arriving now must be answered by, in {@link System#nanoTime()}: {@code http.syncTimeout} from now. */
    private long deadline() {
        return System.nanoTime() + settings.http().syncTimeout().toNanos();
    }

    /** Milliseconds left until {@code deadline} ({@link System#nanoTime()}), at least 1. */
    private static long remainingMillis(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static Consistency mode(Context ctx, ResourceSpec resource) {
        String mode = ctx.queryParam("mode");
        if (mode == null) {
            return resource.consistency();
        }
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "sync" -> Consistency.SYNC;
            case "async" -> Consistency.ASYNC;
            default -> throw ApiError.badRequest("mode must be sync or async, got '" + mode + "'");
        };
    }

    /**
     * Writes a command; the future completes once Kafka has it, with the command's place on the log as
     * the consistency token (header {@link ConsistencyToken#HEADER}: a read that passes it sees this
     * write), or by {@code deadline} ({@link System#nanoTime()}) with a 503 {@link ApiError}: "not
     * written" when the producer refused it before taking it (no metadata, no room, too large), "may
     * still be written" when it took it and then failed or did not confirm in time. It completes on
     * the producer's I/O thread: what follows it must run elsewhere, as answers do on
     * {@code answering}. A sync write's command carries the header that asks the stream to commit
     * promptly ({@link TallyTopics#SYNC_HEADER}).
     */
    private CompletableFuture<ConsistencyToken> produce(String key, byte[] command, boolean sync, long deadline) {
        CompletableFuture<ConsistencyToken> written = new CompletableFuture<>();
        Thread sender = Thread.currentThread();
        java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(TallyTopics.COMMANDS, key, command);
            if (sync) {
                record.headers().add(TallyTopics.SYNC_HEADER, SYNC_HEADER_VALUE);
            }
            // The producer calls back on this thread, before send() returns, when it refuses a record.
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    written.complete(new ConsistencyToken(metadata.partition(), metadata.offset()));
                } else if (Thread.currentThread() == sender && !taken.get()) {
                    written.completeExceptionally(notWritten(error.getMessage()));
                } else {
                    written.completeExceptionally(mayBeWritten(error.getMessage()));
                }
            });
            taken.set(true);
        } catch (RuntimeException e) {
            written.completeExceptionally(notWritten(e.getMessage()));
        }
        return written.orTimeout(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    }

    private static ApiError notWritten(String reason) {
        return new ApiError(503, "UNAVAILABLE", "the command could not be written to Kafka: " + reason, 1);
    }

    private static ApiError mayBeWritten(String reason) {
        return new ApiError(503, "UNAVAILABLE", "Kafka did not confirm the command (" + reason + "); it may still "
                + "be written: retry with the same Idempotency-Key (the id in this answer), which applies it at most once", 1);
    }

    /** Why a write's command was not confirmed, as the 503 that says so. */
    private static ApiError unwritten(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof ApiError apiError) {
            return apiError;
        }
        return mayBeWritten(cause instanceof TimeoutException ? "no acknowledgement in time" : String.valueOf(cause.getMessage()));
    }

    /**
     * The same outcome, its dependents run on {@code executor} also when it failed: a failure passes
     * to the stages after it on the thread that failed it, which may be one that must not write
     * answers (a timer, a Kafka client's).
     */
    static <T> CompletableFuture<T> on(Executor executor, CompletableFuture<T> future) {
        return future.handleAsync((value, error) -> {
            if (error != null) {
                throw error instanceof CompletionException wrapped ? wrapped : new CompletionException(error);
            }
            return value;
        }, executor);
    }

    /** The cause a future's stage wrapped, for the exception handlers that map it to an answer. */
    static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Answers with {@code error}: its status, code and message, Retry-After when it has one, and a
     * write's id when not null ({@code txId}, or a transfer's {@code transferId}): the
     * Idempotency-Key that retries it safely.
     */
    private static void respond(Context ctx, ApiError error, String idName, String id) {
        if (error.retryAfterSeconds != null) {
            ctx.header("Retry-After", String.valueOf(error.retryAfterSeconds));
        }
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("error", error.code);
        body.put("message", error.getMessage());
        if (id != null) {
            body.put(idName, id);
        }
        ctx.status(error.status).json(body);
    }

    private ResourceSpec resource(Context ctx) {
        return resource(ctx.pathParam("resource"));
    }

    private ResourceSpec resource(String name) {
        ResourceSpec resource = settings.resources().get(name);
        if (resource == null) {
            throw new ApiError(404, "UNKNOWN_RESOURCE", "unknown resource '" + name + "'; resources are "
                    + new java.util.TreeSet<>(settings.resources().keySet()));
        }
        return resource;
    }

    /** The request's Idempotency-Key, or null; two of them are refused rather than one chosen. */
    private static String idempotencyKey(Context ctx) {
        List<String> keys = Collections.list(ctx.req().getHeaders("Idempotency-Key"));
        if (keys.size() > 1) {
            throw ApiError.badRequest("send one Idempotency-Key, not " + keys.size());
        }
        return keys.isEmpty() ? null : keys.get(0);
    }

    private static String id(Context ctx) {
        String id = ctx.pathParam("id");
        String problem = RecordKey.idProblem(id);
        if (problem != null) {
            throw ApiError.badRequest(problem);
        }
        return id;
    }

    private static FieldSpec field(ResourceSpec resource, String name) {
        FieldSpec field = resource.field(name);
        if (field == null) {
            throw new ApiError(404, "UNKNOWN_FIELD", "field '" + name + "' is not tracked on " + resource.name()
                    + "; its fields are " + resource.fields().keySet());
        }
        return field;
    }

    /** The JSON object body, or null when empty and {@code optional}. */
    private JsonNode body(Context ctx, boolean optional) {
        byte[] bytes = bodyBytes(ctx, settings.http().maxBodyBytes());
        if (blank(bytes)) {
            if (optional) {
                return null;
            }
            throw ApiError.badRequest("a JSON body is needed, e.g. {\"amount\": \"12.50\"}");
        }
        JsonNode body = parse(bytes);
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object");
        }
        return body;
    }

    /** Nothing but JSON's whitespace (space, tab, CR, LF): read on every write, so without decoding a String. */
    private static boolean blank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    /**
     * The request's body, at most {@code max} bytes, else 413. Read here at its declared length:
     * Javalin's own reading allocated 16 KB of buffers for every request, however small its body:
     * about 8% of everything the service allocated at 2,000 writes/s (docs/BENCHMARKS.md).
     */
    private static byte[] bodyBytes(Context ctx, int max) {
        long length = ctx.req().getContentLengthLong();
        if (length > max) {
            throw tooLarge(length, max);
        }
        try {
            InputStream in = ctx.req().getInputStream();
            byte[] bytes = in.readNBytes(length >= 0 ? (int) length : max);
            if (length < 0 && bytes.length == max && in.read() != -1) {
                throw tooLarge(-1, max);
            }
            return bytes;
        } catch (IOException e) {
            throw ApiError.badRequest("the body cannot be read: " + e.getMessage());
        }
    }

    private static ApiError tooLarge(long length, int max) {
        return new ApiError(413, "TOO_LARGE", "the body " + (length >= 0 ? "of " + length + " bytes " : "")
                + "is larger than the " + max + " bytes allowed (http.maxBodyBytes)");
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            try (JsonParser parser = Json.MAPPER.createParser(bytes)) {
                JsonNode body = Json.MAPPER.readTree(parser);
                // A body is one JSON value: what follows it is refused, not ignored.
                if (parser.nextToken() != null) {
                    throw ApiError.badRequest("the body is one JSON value; there is more after it");
                }
                return body;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.badRequest("the body is not valid JSON: " + Json.reason(e));
        } catch (IOException e) {
            throw ApiError.badRequest("the body cannot be read: " + e.getMessage());
        }
    }

    /**
     * An amount as a JSON number or string, checked against the field's scale and, for {@code op}
     * (null: a create's value, of any sign), the ledger's rule on its sign; its exact text goes on,
     * a number's spelled out at the field's scale (1e400 or 0e-999999999 would be written digit by digit).
     */
    private static String amount(JsonNode value, FieldSpec field, String name, Op op) {
        String text;
        Amounts.Parsed parsed;
        if (value.isNumber()) {
            parsed = Amounts.fit(value.decimalValue(), field.scale());
            text = parsed instanceof Amounts.Exact exact ? exact.value().toPlainString() : null;
        } else if (value.isTextual()) {
            text = value.asText();
            parsed = Amounts.parse(text, field.scale());
        } else {
            throw ApiError.badRequest(name + " must be a number or a decimal string, got " + value.getNodeType());
        }
        if (parsed instanceof Amounts.Invalid invalid) {
            throw new ApiError(422, "BAD_AMOUNT", name + ": " + invalid.reason());
        }
        String signProblem = op == null ? null : Amounts.signProblem(op, ((Amounts.Exact) parsed).value());
        if (signProblem != null) {
            throw new ApiError(422, "BAD_AMOUNT", signProblem);
        }
        return text;
    }

    /**
     * The command as it will be produced, once the stream's reader of commands has read it as a
     * command (a body under {@code http.maxBodyBytes} may still make a command over
     * {@code maxCommandBytes}, and text JSON can carry may still not be text a transaction can).
     */
    private byte[] checked(String key, ObjectNode command) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(command);
        } catch (IOException e) {
            throw ApiError.badRequest("the command cannot be written as JSON: " + e.getMessage());
        }
        if (bytes.length > settings.maxCommandBytes()) {
            throw new ApiError(413, "TOO_LARGE", "the command would be " + bytes.length + " bytes, larger than the "
                    + settings.maxCommandBytes() + " bytes allowed (maxCommandBytes)");
        }
        CommandParser.Result read = commandCheck.parse(key, bytes);
        if (read.rejection() != null) {
            throw ApiError.badRequest(read.rejection().message());
        }
        return bytes;
    }

    private static JsonNode meta(JsonNode meta) {
        if (!meta.isObject()) {
            throw ApiError.badRequest("meta must be a JSON object");
        }
        return meta;
    }

    /**
     * The errors Jetty answers by itself, outside Tally's routes (requests it cannot read as HTTP
     * among them), in the API's form: {@code {"error": CODE, "message": ...}}. Requests arriving
     * while the server stops (on connections already open) are such: their 503 carries Retry-After,
     * as every other 503 of the API, so clients retry them the same way (Jetty's own answer is an
     * HTML page without it).
     */
    private static final class JsonErrors extends org.eclipse.jetty.server.handler.ErrorHandler {
        @Override
        protected void generateAcceptableResponse(org.eclipse.jetty.server.Request base,
                                                  jakarta.servlet.http.HttpServletRequest request,
                                                  jakarta.servlet.http.HttpServletResponse response, int status,
                                                  String message) throws IOException {
            base.setHandled(true);
            if (status == 503) {
                response.setHeader("Retry-After", "1");
            }
            response.setContentType("application/json");
            response.setCharacterEncoding("utf-8");
            response.getWriter().write(body(status, message));
        }

        /** A request Jetty could not read as HTTP (a bad request line, headers too large). */
        @Override
        public java.nio.ByteBuffer badMessageError(int status, String reason, org.eclipse.jetty.http.HttpFields.Mutable fields) {
            if (org.eclipse.jetty.http.HttpStatus.hasNoBody(status)) {
                return super.badMessageError(status, reason, fields);
            }
            fields.put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/json");
            return java.nio.ByteBuffer.wrap(body(status, reason).getBytes(StandardCharsets.UTF_8));
        }

        private static String body(int status, String message) {
            String code = switch (status) {
                case 400 -> "BAD_REQUEST";
                case 404 -> "NOT_FOUND";
                case 413, 414, 431 -> "TOO_LARGE";
                case 503 -> "UNAVAILABLE";
                default -> "HTTP_" + status;
            };
            String reason = message == null || message.isBlank() ? org.eclipse.jetty.http.HttpStatus.getMessage(status) : message;
            return Json.MAPPER.createObjectNode().put("error", code).put("message", reason).toString();
        }
    }

    /**
     * Stops serving. Requests in progress are answered first (a sync write with its outcome, or its
     * 504 once {@code http.syncTimeout} has passed), so Kafka Streams must still run meanwhile. New
     * connections are refused, requests on open ones are answered 503, and live-change streams end.
     */
    @Override
    public void close() {
        stopping = true;
        // Ending a stream writes its last bytes: on the answers' threads, so a client that stopped
        // reading holds no more than its own stream, within the stop's timeout.
        watchers.forEach(client -> answering.execute(client::close));
        try {
            app.stop();
        } catch (RuntimeException e) {
            // Past the stop timeout Jetty stops anyway and says so: the instance must still close the rest.
            LOG.warn("the REST API stopped with requests still open after {} ms",
                    settings.http().syncTimeout().toMillis() + STOP_MARGIN_MS, e);
        }
        answering.shutdownNow();
        querying.shutdownNow();
        forwarder.close();
        if (readYourWrites != null) {
            readYourWrites.close();
        }
        outcomes.close();
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
