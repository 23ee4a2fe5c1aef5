package io.tally.stream;

import io.tally.ledger.RejectionCode;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far this instance's ledger tasks have applied each partition of {@code tally.commands}:
 * the offset of the last command decided and stored. Interactive queries read the stores as the
 * stream thread leaves them, so a read here sees every command up to that offset — what a
 * read-your-writes token waits for.
 */
public final class AppliedOffsets implements LedgerEvents {
    private final Map<Integer, Long> offsets = new ConcurrentHashMap<>();

    /** The last offset of the partition applied here, or -1 when this instance has applied none since it got the task. */
    public long applied(int partition) {
        return offsets.getOrDefault(partition, -1L);
    }

    @Override
    public void processed(int partition, long offset) {
        offsets.merge(partition, offset, Math::max);
    }

    @Override
    public void released(int partition) {
        offsets.remove(partition);
    }

    @Override
    public void applied(String resource) {
    }

    @Override
    public void rejected(RejectionCode code) {
    }
}
