package io.tally.ledger;

/**
 * A refused command: a code for machines and a message for people. The fields of the command are
 * copied when they are known (a malformed message may have none).
 */
public record Rejection(
        RejectionCode code,
        String message,
        String txId,
        String resource,
        String id,
        Op op,
        String field) implements Decision {

    public static Rejection of(RejectionCode code, String message, Command command) {
        return new Rejection(code, message, command.txId(), command.resource(), command.id(), command.op(),
                command.field());
    }

    public static Rejection unparsed(RejectionCode code, String message) {
        return new Rejection(code, message, null, null, null, null, null);
    }
}
