package io.tally.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tally.ledger.Command;
import io.tally.ledger.Op;
import io.tally.ledger.Rejection;
import io.tally.ledger.Transaction;
import io.tally.ledger.TransferLeg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The messages of a transfer's saga. The debit's task sends the credit to the target's partition
 * through {@code tally.commands}; a refused credit's task sends the refund back. Each is written in
 * the same Kafka transaction as the step that caused it, so a step is never lost or sent twice.
 * Each step also notes its outcome in the transfers store of its partition, under
 * {@code <transferId>|source} (the debit), {@code |target} (the credit) or {@code |refund}; a
 * transfer's state is its notes read together.
 */
final class Saga {
    static final String CREDIT_SUFFIX = ":credit";
    static final String REFUND_SUFFIX = ":refund";

    private Saga() {
    }

    static String sourceKey(String transferId) {
        return transferId + "|source";
    }

    static String targetKey(String transferId) {
        return transferId + "|target";
    }

    static String refundKey(String transferId) {
        return transferId + "|refund";
    }

    /** The credit a committed debit sends to the target. */
    static byte[] credit(Transaction debit) {
        TransferLeg to = debit.transfer();
        ObjectNode command = step(Op.TRANSFER_CREDIT, to.resource(), to.id(), to.field(), debit, debit.transfer().transferId());
        leg(command.putObject("from"), debit.resource(), debit.id(), debit.field());
        return bytes(command);
    }

    /** The refund a refused credit sends back to the source. */
    static byte[] refund(Command credit) {
        TransferLeg from = credit.transfer();
        ObjectNode command = Json.MAPPER.createObjectNode();
        command.put("op", Op.TRANSFER_REFUND.wireName()).put("resource", from.resource()).put("id", from.id())
                .put("field", from.field()).put("amount", credit.amount())
                .put("txId", from.transferId() + REFUND_SUFFIX).put("transferId", from.transferId());
        if (credit.at() != null) {
            command.put("at", credit.at().toString());
        }
        leg(command.putObject("to"), credit.resource(), credit.id(), credit.field());
        return bytes(command);
    }

    private static ObjectNode step(Op op, String resource, String id, String field, Transaction cause, String transferId) {
        ObjectNode command = Json.MAPPER.createObjectNode();
        command.put("op", op.wireName()).put("resource", resource).put("id", id).put("field", field)
                .put("amount", cause.amount().stripTrailingZeros().toPlainString())
                .put("txId", transferId + CREDIT_SUFFIX).put("transferId", transferId)
                .put("at", cause.at().toString());
        return command;
    }

    /** The source's note of a committed debit: the transfer is under way. */
    static byte[] debited(Transaction debit) {
        ObjectNode note = note("debited", debit.processedAt());
        leg(note.putObject("from"), debit.resource(), debit.id(), debit.field());
        TransferLeg to = debit.transfer();
        leg(note.putObject("to"), to.resource(), to.id(), to.field());
        note.put("amount", debit.amount().toPlainString()).put("transferId", to.transferId());
        return bytes(note);
    }

    /** A side's note of a step that went through: {@code credited} or {@code refunded}. */
    static byte[] applied(String state, Transaction step) {
        ObjectNode note = note(state, step.processedAt());
        note.put("transferId", step.transfer().transferId()).put("sequence", step.sequence());
        return bytes(note);
    }

    /** A side's note of a refused step: {@code rejected} (the debit), {@code refused} (the credit) or {@code refund_failed}. */
    static byte[] refused(String state, Command step, Rejection rejection, Instant at) {
        ObjectNode note = note(state, at);
        note.put("transferId", step.transferId()).put("code", rejection.code().name()).put("message", rejection.message());
        if (step.op() == Op.TRANSFER) {
            leg(note.putObject("from"), step.resource(), step.id(), step.field());
            leg(note.putObject("to"), step.transfer().resource(), step.transfer().id(), step.transfer().field());
            note.put("amount", step.amount());
        }
        return bytes(note);
    }

    private static ObjectNode note(String state, Instant at) {
        ObjectNode note = Json.MAPPER.createObjectNode();
        note.put("state", state).put("at", at.toString());
        return note;
    }

    private static void leg(ObjectNode node, String resource, String id, String field) {
        node.put("resource", resource).put("id", id).put("field", field);
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
