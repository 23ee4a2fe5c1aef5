package io.tally.ledger;

/**
 * When a write is acknowledged: {@code SYNC} after the Kafka transaction holding its result has
 * committed (wallets), {@code ASYNC} as soon as the command is on the log (counters).
 */
public enum Consistency {
    SYNC, ASYNC
}
