package io.tally.ledger;

/** What the ledger decides for one command: a transaction, a rejection, or waiting for the record to exist. */
public sealed interface Decision permits Transaction, Rejection, Decision.Pending {

    /** The command waits until its record is created, then is decided in arrival order. */
    record Pending(Command command) implements Decision {
    }
}
