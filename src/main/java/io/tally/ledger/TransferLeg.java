package io.tally.ledger;

/**
 * The other side of a transfer step: for a {@code transfer} (the debit) the target, for a
 * {@code transfer_credit} the source, for a {@code transfer_refund} the target that refused.
 *
 * @param transferId the transfer's id, which is the txId of its debit; null on a client's
 *                   {@code transfer} command, where the txId is the id
 */
public record TransferLeg(String transferId, String resource, String id, String field) {

    public String key() {
        return RecordKey.of(resource, id);
    }

    public TransferLeg withTransferId(String transfer) {
        return new TransferLeg(transfer, resource, id, field);
    }
}
