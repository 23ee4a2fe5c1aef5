package io.tally.http;

import io.javalin.http.Context;
import io.tally.ledger.RejectionCode;
import io.tally.stream.RejectionRecord;

import java.util.LinkedHashMap;
import java.util.Map;

/** How a committed outcome answers a sync write. */
final class Writes {
    private Writes() {
    }

    static void answer(Context ctx, CommittedOutcomes.Outcome outcome) {
        if (outcome instanceof CommittedOutcomes.Applied applied) {
            ctx.status(200).json(applied.transaction());
            return;
        }
        RejectionRecord rejection = ((CommittedOutcomes.Refused) outcome).rejection();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", rejection.code().name());
        body.put("message", rejection.message());
        body.put("txId", rejection.txId());
        ctx.status(status(rejection.code())).json(body);
    }

    static int status(RejectionCode code) {
        return switch (code) {
            case DUPLICATE, RECORD_EXISTS -> 409;
            case RECORD_NOT_FOUND, UNKNOWN_RESOURCE, UNKNOWN_FIELD -> 404;
            case PENDING_LIMIT -> 429;
            case MALFORMED, WRONG_KEY -> 400;
            case BAD_AMOUNT, OVERFLOW, BELOW_MINIMUM, ABOVE_MAXIMUM -> 422;
        };
    }
}
