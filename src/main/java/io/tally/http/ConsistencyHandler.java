package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.tally.stream.AppliedOffsets;
import io.tally.stream.Json;
import io.tally.stream.LocalStores;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code GET /v1/consistency}: how far the deployment is from consistent. Per partition, the
 * commands not yet committed (lag) and what this instance has applied; across every instance, the
 * changes waiting for their record to be created and the transfers in flight (debited, neither
 * credited nor refunded), each with the age of the oldest. Rejections by code are on
 * {@code /metrics}. Scans the pending and transfers stores, so it is for monitoring, not hot paths.
 */
final class ConsistencyHandler {
    private final KafkaStreams streams;
    private final LocalStores local;
    private final AppliedOffsets applied;
    private final ReadYourWrites progress;
    private final HostInfo self;
    private final Forwarder forwarder;

    private final Executor answering;

    /** @param answering where a report is answered once Kafka has given the lag */
    ConsistencyHandler(KafkaStreams streams, AppliedOffsets applied, ReadYourWrites progress, HostInfo self,
                       Forwarder forwarder, Executor answering) {
        this.answering = answering;
        this.streams = streams;
        this.local = new LocalStores(streams);
        this.applied = applied;
        this.progress = progress;
        this.self = self;
        this.forwarder = forwarder;
    }

    /** Answers once Kafka has given the lag and every other instance its share, without holding a server thread meanwhile. */
    void report(Context ctx) {
        Instant now = Instant.now();
        String state = streams.state().name();
        LocalStores.Unsettled mine = local.unsettled();
        CompletableFuture<Map<Integer, Long>> lags = progress.lagByPartition();
        CompletableFuture<List<JsonNode>> theirs = forwarder.askOthers(streams, self, "/internal/v1/unsettled");
        // The lag comes on a Kafka client's thread (or the timeout's): answered on the server's.
        ctx.future(() -> HttpApi.on(answering, lags).thenCombine(theirs, (lag, others) -> {
            ctx.json(answer(now, state, lag, mine, others));
            return null;
        }));
    }

    private ObjectNode answer(Instant now, String state, Map<Integer, Long> lags, LocalStores.Unsettled mine,
                              List<JsonNode> others) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("state", state);
        ObjectNode partitions = answer.putObject("partitions");
        long totalLag = 0;
        for (Map.Entry<Integer, Long> lag : lags.entrySet()) {
            ObjectNode partition = partitions.putObject(String.valueOf(lag.getKey()));
            partition.put("lag", lag.getValue());
            long here = applied.applied(lag.getKey());
            if (here >= 0) {
                partition.put("appliedHere", here);
            }
            totalLag += lag.getValue();
        }
        answer.put("lag", totalLag);

        long pending = mine.pending();
        Instant oldestPending = mine.oldestPending();
        Map<String, Instant> debited = new HashMap<>(mine.debited());
        Set<String> settled = new HashSet<>(mine.settled());
        for (JsonNode theirs : others) {
            pending += theirs.path("pending").asLong();
            if (theirs.hasNonNull("oldestPending")) {
                oldestPending = earlier(oldestPending, Instant.parse(theirs.get("oldestPending").asText()));
            }
            theirs.path("debited").fields().forEachRemaining(entry ->
                    debited.put(entry.getKey(), Instant.parse(entry.getValue().asText())));
            theirs.path("settled").forEach(id -> settled.add(id.asText()));
        }
        debited.keySet().removeAll(settled);
        ObjectNode waiting = answer.putObject("pendingUntilCreated");
        waiting.put("count", pending);
        waiting.put("oldestAgeSeconds", oldestPending == null ? null : Duration.between(oldestPending, now).toSeconds());
        ObjectNode inFlight = answer.putObject("transfersInFlight");
        inFlight.put("count", debited.size());
        Instant oldestTransfer = debited.values().stream().min(Instant::compareTo).orElse(null);
        inFlight.put("oldestAgeSeconds", oldestTransfer == null ? null : Duration.between(oldestTransfer, now).toSeconds());
        return answer;
    }

    /** {@code GET /internal/v1/unsettled}: this instance's share. */
    void localUnsettled(Context ctx) {
        LocalStores.Unsettled mine = local.unsettled();
        Map<String, Object> answer = new HashMap<>();
        answer.put("pending", mine.pending());
        answer.put("oldestPending", mine.oldestPending() == null ? null : mine.oldestPending().toString());
        Map<String, String> debited = new HashMap<>();
        mine.debited().forEach((id, at) -> debited.put(id, at.toString()));
        answer.put("debited", debited);
        answer.put("settled", mine.settled());
        ctx.json(answer);
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }
}
