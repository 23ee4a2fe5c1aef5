package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.tally.analytics.Instants;
import io.tally.config.Settings;
import io.tally.ledger.FieldSpec;
import io.tally.ledger.Ledger;
import io.tally.ledger.RecordState;
import io.tally.ledger.Transaction;
import io.tally.ledger.RecordKey;
import io.tally.ledger.ResourceSpec;
import io.tally.stream.Json;
import io.tally.stream.LocalStores;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * Record reads: one record, a resource's ids, a field's audit history. A keyed read is answered by
 * the instance active for the record's partition, forwarded there server-side when that is
 * another one; listing asks every instance for its active partitions and merges them.
 */
final class RecordsHandler {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final Settings settings;
    private final KafkaStreams streams;
    private final LocalStores local;
    private final HostInfo self;
    private final int partitions;
    private final Forwarder forwarder;
    private final ReadYourWrites readYourWrites;
    private final Executor reading;
    private final Ledger ledger;

    /**
     * @param reading where a keyed read that waited for its write reads the stores and answers,
     *                also when the wait failed: the server's threads, not the timer that ended it
     */
    RecordsHandler(Settings settings, KafkaStreams streams, HostInfo self, int partitions, Forwarder forwarder,
                   ReadYourWrites readYourWrites, Executor reading) {
        this.readYourWrites = readYourWrites;
        this.reading = reading;
        this.ledger = new Ledger(settings.resources(), settings.maxPendingPerRecord());
        this.settings = settings;
        this.streams = streams;
        this.local = new LocalStores(streams);
        this.self = self;
        this.partitions = partitions;
        this.forwarder = forwarder;
    }

    /** {@code GET /v1/{resource}/{id}}: the record's fields and metadata. */
    void read(Context ctx, ResourceSpec resource, String id) {
        String key = RecordKey.of(resource.name(), id);
        atOwner(ctx, key, partition -> {
            byte[] record = local.record(partition, key);
            JsonNode state = record == null ? null : tree(record);
            if (state == null || !state.path("live").asBoolean()) {
                throw new ApiError(404, "RECORD_NOT_FOUND", key + " does not exist" + (state == null ? "" : " (deleted)"));
            }
            ctx.contentType("application/json").result(record);
        });
    }

    /**
     * {@code GET /v1/{resource}/{id}/{field}/transactions}: every transaction that changed the
     * field (its record's create and delete included), oldest first, paged by sequence; {@code from}
     * and {@code to} keep those whose event time is in [from, to).
     */
    void history(Context ctx, ResourceSpec resource, String id, FieldSpec field) {
        int limit = limit(ctx);
        long after = ctx.queryParam("cursor") == null ? 0 : sequenceCursor(ctx.queryParam("cursor"));
        Instant from = time(ctx, resource, "from");
        Instant to = time(ctx, resource, "to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiError.badRequest("from must be before to");
        }
        String key = RecordKey.of(resource.name(), id);
        Predicate<byte[]> keep = json -> {
            JsonNode transaction = tree(json);
            String changed = transaction.path("field").asText(null);
            if (changed != null && !changed.equals(field.name())) {
                return false;
            }
            Instant at = Instant.parse(transaction.path("at").asText());
            return (from == null || !at.isBefore(from)) && (to == null || at.isBefore(to));
        };
        atOwner(ctx, key, partition -> {
            LocalStores.Page<byte[]> page = local.history(partition, key, after, limit, keep);
            ObjectNode answer = Json.MAPPER.createObjectNode();
            ArrayNode transactions = answer.putArray("transactions");
            page.items().forEach(json -> transactions.add(tree(json)));
            answer.put("next", page.next());
            ctx.json(answer);
        });
    }

    /**
     * {@code GET /v1/{resource}/{id}/{field}?asOf=}: the field's value as the ledger had recorded it
     * at an instant (by processing time: what a read at that instant answered), replayed from the
     * record's history; without {@code asOf}, as of now.
     */
    void fieldAsOf(Context ctx, ResourceSpec resource, String id, FieldSpec field) {
        Instant asOf = ctx.queryParam("asOf") == null ? Instant.now() : time(ctx, resource, "asOf");
        String key = RecordKey.of(resource.name(), id);
        atOwner(ctx, key, partition -> ctx.json(valueAsOf(partition, key, resource, id, field, asOf)));
    }

    private ObjectNode valueAsOf(int partition, String key, ResourceSpec resource, String id, FieldSpec field, Instant asOf) {
        // The pure ledger's own replay, so the value is the one the record had, initial values included.
        RecordState state = RecordState.absent(resource.name(), id);
        boolean reached = false;
        while (!reached) {
            LocalStores.Page<byte[]> page = local.history(partition, key, state.version(), MAX_LIMIT, json -> true);
            for (byte[] json : page.items()) {
                Transaction transaction = TallyTopology.TRANSACTION_SERDE.deserialize(TallyTopics.TRANSACTIONS, json);
                if (transaction.processedAt().isAfter(asOf)) {
                    reached = true;
                    break;
                }
                state = ledger.evolve(state, transaction);
            }
            reached |= page.next() == null;
        }
        if (!state.live()) {
            throw new ApiError(404, "RECORD_NOT_FOUND", key + " did not exist at " + asOf
                    + (state.version() == 0 ? "" : " (deleted by transaction " + state.version() + ")"));
        }
        java.math.BigDecimal value = state.value(field.name());
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("resource", resource.name()).put("id", id).put("field", field.name()).put("asOf", asOf.toString())
                .put("value", value == null ? null : value.toPlainString()).put("version", state.version());
        return answer;
    }

    /** {@code GET /v1/{resource}?prefix=&limit=&cursor=}: live record ids in UTF-8 byte order, paged. */
    void list(Context ctx, ResourceSpec resource) {
        int limit = limit(ctx);
        String prefix = ctx.queryParamAsClass("prefix", String.class).getOrDefault("");
        String cursor = ctx.queryParam("cursor");
        if (!prefix.isEmpty() && RecordKey.idProblem(prefix) != null) {
            throw ApiError.badRequest("prefix: " + RecordKey.idProblem(prefix));
        }
        if (cursor != null && RecordKey.idProblem(cursor) != null) {
            throw ApiError.badRequest("cursor: " + RecordKey.idProblem(cursor));
        }
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw ApiError.unavailable("listing needs every partition; Kafka Streams is " + state);
        }
        Set<Integer> read = new HashSet<>();
        List<String> ids = new ArrayList<>();
        local.ids(resource.name(), prefix, cursor, limit + 1).forEach((partition, found) -> {
            read.add(partition);
            ids.addAll(found);
        });
        CompletableFuture<List<JsonNode>> theirs = forwarder.askOthers(streams, self, "/internal/v1/ids?resource="
                + encode(resource.name()) + "&prefix=" + encode(prefix) + (cursor == null ? "" : "&after=" + encode(cursor))
                + "&limit=" + (limit + 1));
        ctx.future(() -> theirs.thenAccept(answers -> {
            for (JsonNode answer : answers) {
                Iterator<Map.Entry<String, JsonNode>> byPartition = answer.path("partitions").fields();
                while (byPartition.hasNext()) {
                    Map.Entry<String, JsonNode> partition = byPartition.next();
                    if (read.add(Integer.parseInt(partition.getKey()))) {
                        partition.getValue().forEach(id -> ids.add(id.asText()));
                    }
                }
            }
            if (read.size() != partitions) {
                throw ApiError.unavailable("listing needs all " + partitions + " partitions; only " + read.size()
                        + " are active and reachable now (rebalancing?)");
            }
            ids.sort(LocalStores::compareUtf8);
            List<String> page = ids.subList(0, Math.min(limit, ids.size()));
            ObjectNode answer = Json.MAPPER.createObjectNode();
            page.forEach(answer.putArray("ids")::add);
            answer.put("next", ids.size() > limit ? page.get(page.size() - 1) : null);
            ctx.json(answer);
        }));
    }

    /** {@code GET /internal/v1/ids}: this instance's share of a listing, by partition. */
    void localIds(Context ctx) {
        String resource = ctx.queryParam("resource");
        if (resource == null || !settings.resources().containsKey(resource)) {
            throw ApiError.badRequest("resource is required and must be known");
        }
        Map<Integer, List<String>> ids = local.ids(resource, ctx.queryParamAsClass("prefix", String.class).getOrDefault(""),
                ctx.queryParam("after"), Math.min(limit(ctx), MAX_LIMIT + 1));
        ctx.json(Map.of("partitions", ids));
    }

    /** {@code GET /internal/v1/transaction?key=&sequence=}: one transaction of a record owned here. */
    void localTransaction(Context ctx) {
        String key = ctx.queryParam("key");
        if (key == null || key.indexOf('/') < 0) {
            throw ApiError.badRequest("key must be resource/id");
        }
        long sequence = sequenceCursor(ctx.queryParam("sequence"));
        atOwner(ctx, key, partition -> {
            byte[] transaction = local.transaction(partition, key, sequence);
            if (transaction == null) {
                throw new ApiError(404, "NOT_FOUND", key + " has no transaction " + sequence);
            }
            ctx.contentType("application/json").result(transaction);
        });
    }

    /** A record's transaction from whichever instance owns it, for answering a repeated idempotency key. */
    CompletableFuture<JsonNode> transaction(String recordKey, long sequence) {
        KeyQueryMetadata owner = owner(recordKey);
        if (owner.activeHost().equals(self)) {
            byte[] json = local.transaction(owner.partition(), recordKey, sequence);
            return CompletableFuture.completedFuture(json == null ? null : tree(json));
        }
        return forwarder.forward(owner.activeHost(), "GET", "/internal/v1/transaction?key=" + encode(recordKey)
                + "&sequence=" + sequence, null, null)
                .thenApply(answer -> answer.statusCode() == 200 ? tree(answer.body()) : null);
    }

    /**
     * Answers a keyed read where the record's partition is active. Here: {@code answerHere} reads
     * it, at once, or once the write the read's consistency token names is applied (waiting on a
     * timer, not on this thread). At another instance: the request is forwarded there and its
     * answer copied into {@code ctx}, again without holding this thread while it is on its way.
     */
    private void atOwner(Context ctx, String key, IntConsumer answerHere) {
        KeyQueryMetadata owner = owner(key);
        if (owner.activeHost().equals(self)) {
            int partition = owner.partition();
            String token = ctx.queryParam(ConsistencyToken.PARAMETER);
            ConsistencyToken written = token == null ? null : ConsistencyToken.parse(token);
            if (written != null && written.partition() >= partitions) {
                throw ApiError.badRequest(ConsistencyToken.PARAMETER + " names partition " + written.partition() + ", but "
                        + TallyTopics.COMMANDS + " has " + partitions + " (0 to " + (partitions - 1) + "): not a token of this deployment");
            }
            // A token of another partition is another record's write: nothing this read must wait for.
            CompletableFuture<Void> applied = written == null || written.partition() != partition
                    ? CompletableFuture.completedFuture(null)
                    : readYourWrites.applied(written, ConsistencyToken.wait(ctx.queryParam("waitMs"), settings.http().syncTimeout()));
            if (applied.isDone() && !applied.isCompletedExceptionally()) {
                answerHere.accept(partition);
            } else {
                ctx.future(() -> HttpApi.on(reading, applied).thenRun(() -> answerHere.accept(partition)));
            }
            return;
        }
        if (ctx.header(Forwarder.HEADER) != null) {
            throw ApiError.unavailable(key + " moved while the request was forwarded (rebalancing)");
        }
        String query = ctx.queryString();
        CompletableFuture<HttpResponse<byte[]>> forwarded = forwarder.forward(owner.activeHost(), "GET",
                ctx.path() + (query == null ? "" : "?" + query), null, null);
        ctx.future(() -> forwarded.thenAccept(answer -> {
            answer.headers().firstValue("Retry-After").ifPresent(value -> ctx.header("Retry-After", value));
            ctx.status(answer.statusCode()).contentType("application/json").result(answer.body());
        }));
    }

    private KeyQueryMetadata owner(String key) {
        KeyQueryMetadata owner = streams.queryMetadataForKey(TallyTopics.RECORDS_STORE, key, new StringSerializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || owner.activeHost() == null) {
            throw ApiError.unavailable("the owner of " + key + " is not known now (starting or rebalancing)");
        }
        return owner;
    }

    private static int limit(Context ctx) {
        String text = ctx.queryParam("limit");
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("limit must be a whole number from 1 to " + MAX_LIMIT + ", got '" + text + "'");
    }

    private static long sequenceCursor(String text) {
        try {
            long sequence = Long.parseLong(String.valueOf(text));
            if (sequence >= 0) {
                return sequence;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("cursor must be the 'next' of a previous page, got '" + text + "'");
    }

    private Instant time(Context ctx, ResourceSpec resource, String name) {
        String text = ctx.queryParam(name);
        if (text == null) {
            return null;
        }
        try {
            return Instants.parse(text, settings.analytics().zoneOf(resource.name()));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(name + ": " + e.getMessage());
        }
    }

    private static JsonNode tree(byte[] json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable JSON in a Tally store", e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
