package io.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.tally.ledger.RejectionCode;
import io.tally.stream.Outcome;
import io.tally.stream.RejectionRecord;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/** How a committed outcome answers a sync write. */
final class Writes {
    /** An answer written already. */
    static final CompletableFuture<Void> ANSWERED = CompletableFuture.completedFuture(null);

    private Writes() {
    }

    /**
     * Answers a sync write. A repeated idempotency key is answered with the original outcome, as
     * its first sending was (header {@code Idempotent-Replayed: true}): the original transaction,
     * read back from the record's history by {@code transactionAt} (which may ask the instance
     * that owns the record, hence the future), or the original refusal.
     */
    static CompletableFuture<Void> answer(Context ctx, CommittedOutcomes.Outcome outcome,
                                          LongFunction<CompletableFuture<JsonNode>> transactionAt) {
        if (outcome instanceof CommittedOutcomes.Applied applied) {
            ctx.status(200).contentType(ContentType.APPLICATION_JSON).result(applied.json());
            return ANSWERED;
        }
        RejectionRecord rejection = ((CommittedOutcomes.Refused) outcome).rejection();
        Outcome original = rejection.original();
        if (rejection.code() == RejectionCode.DUPLICATE && original != null) {
            ctx.header("Idempotent-Replayed", "true");
            switch (original.kind()) {
                case APPLIED -> {
                    return transactionAt.apply(original.sequence()).thenAccept(transaction -> {
                        if (transaction != null) {
                            ctx.status(200).json(transaction);
                        } else {
                            refuse(ctx, rejection.code(), rejection.message(), rejection.txId());
                        }
                    });
                }
                case REJECTED -> {
                    refuse(ctx, original.code(), rejection.message(), rejection.txId());
                    return ANSWERED;
                }
                case PENDING -> {
                    ctx.status(202).json(Map.of("txId", rejection.txId(), "status", "pending",
                            "message", rejection.message()));
                    return ANSWERED;
                }
            }
        }
        refuse(ctx, rejection.code(), rejection.message(), rejection.txId());
        return ANSWERED;
    }

    private static void refuse(Context ctx, RejectionCode code, String message, String txId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code.name());
        body.put("message", message);
        body.put("txId", txId);
        ctx.status(status(code)).json(body);
    }

    static int status(RejectionCode code) {
        return switch (code) {
            case DUPLICATE, RECORD_EXISTS -> 409;
            case RECORD_NOT_FOUND, UNKNOWN_RESOURCE, UNKNOWN_FIELD -> 404;
            case PENDING_LIMIT -> 429;
            case MALFORMED, WRONG_KEY -> 400;
            case BAD_AMOUNT, OVERFLOW, BELOW_MINIMUM, ABOVE_MAXIMUM, NOT_TRANSFERABLE -> 422;
        };
    }
}
