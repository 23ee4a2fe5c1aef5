package io.tally.stream;

import io.tally.ledger.Op;
import io.tally.ledger.RejectionCode;

import java.time.Instant;

/**
 * A message on {@code tally.rejections}: the refusal and where the refused command came from, with
 * its raw bytes so that nothing sent to Tally is ever lost without a trace.
 *
 * @param payload          the command as UTF-8 text, or base64 when it was not valid UTF-8; cut to
 *                         the command size limit
 * @param payloadEncoding  {@code utf8} or {@code base64}
 * @param payloadTruncated whether the payload was longer than what is kept here
 * @param original         for {@code DUPLICATE}, what became of the first command with this txId
 */
public record RejectionRecord(
        RejectionCode code,
        String message,
        String txId,
        String resource,
        String id,
        Op op,
        String field,
        String key,
        String payload,
        String payloadEncoding,
        boolean payloadTruncated,
        String topic,
        Integer partition,
        Long offset,
        Instant rejectedAt,
        Outcome original) {
}
