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
}
