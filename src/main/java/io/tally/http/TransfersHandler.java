package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.tally.stream.Json;
import io.tally.stream.LocalStores;
import io.tally.stream.RejectionRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Transfers over HTTP: a sync transfer answers once the saga has ended (completed, compensated or
 * rejected) or its time is up; {@code GET /v1/transfers/{id}} reads the notes each step left in
 * its partition, from every instance, and tells the state.
 */
final class TransfersHandler {
    static final String CREDIT = ":credit";
    static final String REFUND = ":refund";

    private final KafkaStreams streams;
    private final LocalStores local;
    private final HostInfo self;
    private final int partitions;
    private final Forwarder forwarder;

    TransfersHandler(KafkaStreams streams, HostInfo self, int partitions, Forwarder forwarder) {
        this.streams = streams;
        this.local = new LocalStores(streams);
        this.self = self;
        this.partitions = partitions;
        this.forwarder = forwarder;
    }

    /**
     * How far a transfer's saga got by {@code deadline} (in {@link System#nanoTime()}), from the
     * committed outcomes of its steps, registered before the command was produced: the debit's,
     * then the credit's, then (when the credit was refused) the refund's. Waits on no thread.
     */
    static CompletableFuture<Steps> steps(CompletableFuture<CommittedOutcomes.Outcome> debit,
                                          CompletableFuture<CommittedOutcomes.Outcome> credit,
                                          CompletableFuture<CommittedOutcomes.Outcome> refund, long deadline) {
        return by(debit, deadline).thenCompose(debited -> {
            if (!(debited instanceof CommittedOutcomes.Applied)) {
                return CompletableFuture.completedFuture(new Steps(debited, null, null));
            }
            return by(credit, deadline).thenCompose(credited -> {
                if (!(credited instanceof CommittedOutcomes.Refused)) {
                    return CompletableFuture.completedFuture(new Steps(debited, credited, null));
                }
                return by(refund, deadline).thenApply(refunded -> new Steps(debited, credited, refunded));
            });
        });
    }

    /** A step's outcome, or null when it is not decided by the deadline; the step itself stays open. */
    private static CompletableFuture<CommittedOutcomes.Outcome> by(CompletableFuture<CommittedOutcomes.Outcome> step,
                                                                   long deadline) {
        return step.copy().completeOnTimeout(null, remaining(deadline), TimeUnit.NANOSECONDS);
    }

    /** The outcomes of a transfer's steps as far as they were decided in time; null: not decided. */
    record Steps(CommittedOutcomes.Outcome debit, CommittedOutcomes.Outcome credit, CommittedOutcomes.Outcome refund) {
        /** The transfer id had been used: the debit was refused as a duplicate, and the original's state is the answer. */
        boolean duplicate() {
            return debit instanceof CommittedOutcomes.Refused refused
                    && refused.rejection().code() == io.tally.ledger.RejectionCode.DUPLICATE;
        }
    }

    /**
     * Answers a sync transfer with how its saga ended, or 504 with state pending when it had not
     * ended in time; a repeated transfer id with {@code original}, the first one's state (null: none found).
     */
    static void answer(Context ctx, String transferId, Steps steps, long timeoutMs, JsonNode original) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("transferId", transferId);
        if (steps.debit() instanceof CommittedOutcomes.Refused refused) {
            RejectionRecord rejection = refused.rejection();
            if (steps.duplicate()) {
                ctx.header("Idempotent-Replayed", "true");
                ctx.status(original == null ? 409 : 200).json(original == null ? Map.of("error", "DUPLICATE", "message",
                        rejection.message(), "transferId", transferId) : original);
                return;
            }
            body.put("state", "rejected").put("error", rejection.code().name()).put("message", rejection.message());
            ctx.status(Writes.status(rejection.code())).json(body);
            return;
        }
        if (steps.debit() instanceof CommittedOutcomes.Applied debited) {
            body.set("debit", debited.tree());
            if (steps.credit() instanceof CommittedOutcomes.Applied credited) {
                body.put("state", "completed").set("credit", credited.tree());
                ctx.status(200).json(body);
                return;
            }
            if (steps.credit() instanceof CommittedOutcomes.Refused refused) {
                RejectionRecord refusal = refused.rejection();
                body.put("error", refusal.code().name()).put("message", "the target refused the credit: " + refusal.message());
                if (steps.refund() instanceof CommittedOutcomes.Applied refunded) {
                    body.put("state", "compensated").set("refund", refunded.tree());
                    ctx.status(Writes.status(refusal.code())).json(body);
                    return;
                }
                if (steps.refund() instanceof CommittedOutcomes.Refused refundRefused) {
                    body.put("state", "compensation_failed").put("refundError", refundRefused.rejection().message());
                    ctx.status(Writes.status(refusal.code())).json(body);
                    return;
                }
            }
        }
        body.put("state", "pending").put("error", "TIMEOUT").put("message", "the transfer had not ended within "
                + timeoutMs + " ms; it goes on, see GET /v1/transfers/" + transferId);
        ctx.status(504).json(body);
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /** {@code GET /v1/transfers/{id}}. */
    void read(Context ctx, String transferId) {
        CompletableFuture<JsonNode> found = state(transferId);
        ctx.future(() -> found.thenAccept(state -> {
            if (state == null) {
                throw new ApiError(404, "TRANSFER_NOT_FOUND", "no transfer " + transferId + " (or its debit is not decided yet)");
            }
            ctx.json(state);
        }));
    }

    /** {@code GET /internal/v1/transfer?id=}: the notes of a transfer in this instance's active partitions. */
    void localNotes(Context ctx) {
        String transferId = ctx.queryParam("id");
        if (transferId == null || !io.tally.ledger.RecordKey.validTxId(transferId)) {
            throw ApiError.badRequest("id must be a transfer id");
        }
        Map<String, Object> answer = new HashMap<>();
        local.transferNotes(transferId).forEach((partition, notes) -> {
            Map<String, JsonNode> parsed = new HashMap<>();
            notes.forEach((step, note) -> parsed.put(step, tree(note)));
            answer.put(String.valueOf(partition), parsed);
        });
        ctx.json(Map.of("partitions", answer));
    }

    /**
     * A transfer's state from its notes in every partition, or null when there is none; completes
     * when every other instance has sent its notes.
     */
    CompletableFuture<JsonNode> state(String transferId) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            throw ApiError.unavailable("a transfer's steps may be in any partition; Kafka Streams is " + streams.state());
        }
        Set<Integer> read = new HashSet<>();
        Map<String, JsonNode> notes = new HashMap<>();
        local.transferNotes(transferId).forEach((partition, found) -> {
            read.add(partition);
            found.forEach((step, note) -> notes.put(step, tree(note)));
        });
        return forwarder.askOthers(streams, self, "/internal/v1/transfer?id=" + URLEncoder.encode(transferId, StandardCharsets.UTF_8))
                .thenApply(answers -> {
                    for (JsonNode answer : answers) {
                        Iterator<Map.Entry<String, JsonNode>> byPartition = answer.path("partitions").fields();
                        while (byPartition.hasNext()) {
                            Map.Entry<String, JsonNode> partition = byPartition.next();
                            if (read.add(Integer.parseInt(partition.getKey()))) {
                                partition.getValue().fields().forEachRemaining(note -> notes.put(note.getKey(), note.getValue()));
                            }
                        }
                    }
                    if (read.size() != partitions) {
                        throw ApiError.unavailable("a transfer's state needs all " + partitions + " partitions; only "
                                + read.size() + " are active and reachable now (rebalancing?)");
                    }
                    return state(transferId, notes);
                });
    }

    private static JsonNode state(String transferId, Map<String, JsonNode> notes) {
        JsonNode source = notes.get("source");
        if (source == null) {
            return null;
        }
        JsonNode target = notes.get("target");
        JsonNode refund = notes.get("refund");
        String state = switch (source.path("state").asText()) {
            case "rejected" -> "rejected";
            default -> target != null && target.path("state").asText().equals("credited") ? "completed"
                    : refund == null ? "pending"
                    : refund.path("state").asText().equals("refunded") ? "compensated" : "compensation_failed";
        };
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("transferId", transferId).put("state", state);
        answer.set("from", source.get("from"));
        answer.set("to", source.get("to"));
        answer.set("amount", source.get("amount"));
        ObjectNode steps = answer.putObject("steps");
        steps.set("debit", source);
        if (target != null) {
            steps.set("credit", target);
        }
        if (refund != null) {
            steps.set("refund", refund);
        }
        return answer;
    }

    private static JsonNode tree(byte[] json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable note in the transfers store", e);
        }
    }
}
