package io.tally.stream;

import io.tally.ledger.RejectionCode;

/**
 * What the ledger tells the outside about its work, for metrics. Calls come from stream threads,
 * once per decision as it is made; a decision of a transaction that is later aborted is counted too.
 */
public interface LedgerEvents {
    LedgerEvents NONE = new LedgerEvents() {
        @Override
        public void applied(String resource) {
        }

        @Override
        public void rejected(RejectionCode code) {
        }
    };

    void applied(String resource);

    void rejected(RejectionCode code);

    /** A command at this offset of a partition of {@code tally.commands} has been decided and stored. */
    default void processed(int partition, long offset) {
    }

    /** This instance's task of a partition closed: it no longer applies the partition's commands. */
    default void released(int partition) {
    }

    /** Tells both, in order. */
    static LedgerEvents both(LedgerEvents first, LedgerEvents second) {
        return new LedgerEvents() {
            @Override
            public void applied(String resource) {
                first.applied(resource);
                second.applied(resource);
            }

            @Override
            public void rejected(RejectionCode code) {
                first.rejected(code);
                second.rejected(code);
            }

            @Override
            public void processed(int partition, long offset) {
                first.processed(partition, offset);
                second.processed(partition, offset);
            }

            @Override
            public void released(int partition) {
                first.released(partition);
                second.released(partition);
            }
        };
    }
}
