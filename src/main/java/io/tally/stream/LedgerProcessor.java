package io.tally.stream;

import io.tally.ledger.Command;
import io.tally.ledger.Decision;
import io.tally.ledger.Ledger;
import io.tally.ledger.RecordState;
import io.tally.ledger.Rejection;
import io.tally.ledger.RejectionCode;
import io.tally.ledger.Transaction;
import io.tally.ledger.TxIds;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Kafka Streams wiring of the ledger for one task: parse, dedupe, load the record, let the pure
 * {@link Ledger} decide, then store the record and emit exactly one transaction per accepted
 * command and one rejection per refused one. Everything it writes commits in the same Kafka
 * transaction as the command's offset, so under exactly-once a command is applied once or not at all.
 */
final class LedgerProcessor implements Processor<String, byte[], String, Object> {
    /** Records kept deserialized per task; the store's own cache holds bytes that cost a JSON read per command. */
    static final int RECENT_RECORDS = 8192;

    private final Ledger ledger;
    private final CommandParser parser;
    private final int maxPayloadBytes;
    private final LedgerEvents events;
    /** Whether a resource keeps analytics; the others' transactions are not passed on to them. */
    private final Predicate<String> analyticsKept;
    private final SyncCommits syncCommits;

    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> records;
    /** Flushes the records cache; run for every task of the thread at the first flush of a commit. */
    private Runnable flushRecords;
    private KeyValueStore<String, List<Command>> pending;
    private KeyValueStore<String, byte[]> history;
    private KeyValueStore<String, byte[]> transfers;
    private final RememberedTxIds dedupe;
    private final RecentRecords recent = new RecentRecords(RECENT_RECORDS);
    /** Records changed since the records store's cache last wrote them whose latest state is deleted. */
    private final Set<String> deletedUnpublished = new HashSet<>();

    LedgerProcessor(Ledger ledger, CommandParser parser, Duration dedupeHorizon, int maxPayloadBytes, LedgerEvents events,
                    Predicate<String> analyticsKept, SyncCommits.Spacing syncCommitSpacing) {
        this.syncCommits = new SyncCommits(syncCommitSpacing);
        this.events = events;
        this.analyticsKept = analyticsKept;
        this.ledger = ledger;
        this.parser = parser;
        this.dedupe = new RememberedTxIds(dedupeHorizon);
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.records = context.getStateStore(TallyTopics.RECORDS_STORE);
        this.pending = context.getStateStore(TallyTopics.PENDING_STORE);
        this.history = context.getStateStore(TallyTopics.HISTORY_STORE);
        this.transfers = context.getStateStore(TallyTopics.TRANSFERS_STORE);
        dedupe.init(context);
        // A task that was closed dirty (an aborted transaction) is initialised again: forget what it held.
        recent.clear();
        deletedUnpublished.clear();
        publishOnFlush(context);
        syncCommits.init(context);
    }

    /**
     * Publishes a record on {@code tally.records} when the records store's cache writes it, once
     * per commit however often it changed, as a KTable's output is conflated by the same cache.
     * The cache writes every changed record before each commit, so what is published still
     * commits with the commands that changed it. Uses the hook Kafka Streams' own KTables use
     * (internal API): a Kafka Streams without it fails here, loudly, rather than publish nothing.
     */
    @SuppressWarnings("unchecked")
    private void publishOnFlush(ProcessorContext<String, Object> context) {
        if (!(context instanceof InternalProcessorContext<?, ?> internal) || internal.currentNode() == null
                || !(records instanceof CachedStateStore<?, ?> cached)) {
            throw new IllegalStateException("the records store offers no cache flush to publish tally.records from");
        }
        // The cache writes at commit time too, when no node is current: forward as the ledger.
        ProcessorNode<?, ?, ?, ?> ledgerNode = internal.currentNode();
        boolean listening = ((CachedStateStore<String, byte[]>) cached).setFlushListener(written -> {
            ProcessorNode<?, ?, ?, ?> previous = internal.currentNode();
            internal.setCurrentNode(ledgerNode);
            try {
                String key = written.key();
                // Deleted records leave a tombstone on the public topic; the store keeps their version.
                byte[] json = deletedUnpublished.remove(key) ? null : written.value().newValue;
                context.forward(new Record<>(key, json, written.timestamp(), written.headers()), TallyTopology.RECORDS_SINK);
            } finally {
                internal.setCurrentNode(previous);
            }
        }, false);
        if (!listening) {
            throw new IllegalStateException("the records store has no cache; tally.records is published from its flushes");
        }
        if (flushRecords != null) {
            ThreadFlushes.remove(flushRecords);
        }
        CachedStateStore<String, byte[]> cache = (CachedStateStore<String, byte[]>) cached;
        KeyValueStore<String, byte[]> store = records;
        flushRecords = () -> {
            if (store.isOpen()) {
                cache.flushCache();
            }
        };
        ThreadFlushes.add(flushRecords);
    }

    @Override
    public void close() {
        if (flushRecords != null) {
            ThreadFlushes.remove(flushRecords);
            flushRecords = null;
        }
        recent.clear();
        events.released(context.taskId().partition());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        decide(record);
        syncCommits.processed(record.headers());
        context.recordMetadata().ifPresent(source -> events.processed(source.partition(), source.offset()));
    }

    private void decide(Record<String, byte[]> record) {
        CommandParser.Result parsed = parser.parse(record.key(), record.value());
        if (parsed.rejection() != null) {
            reject(record, parsed.rejection(), true, null);
            return;
        }
        RecordMetadata source = context.recordMetadata().orElseThrow();
        Command command = parsed.command();
        if (command.at() == null) {
            command = command.withAt(Instant.ofEpochMilli(record.timestamp()));
        }
        // Dedupe runs on wall-clock time so a producer's old timestamps cannot make it forget early.
        long now = context.currentSystemTimeMs();
        if (command.clientTxId()) {
            Outcome seen = dedupe.get(dedupeKey(command.key(), command.txId()), now);
            if (seen != null) {
                reject(record, Rejection.of(RejectionCode.DUPLICATE, seen.describe(command.txId(), command.key()), command),
                        true, seen);
                return;
            }
        } else {
            command = command.withTxId(TxIds.assigned(record.timestamp(), source.partition(), source.offset()));
        }
        String key = command.key();
        RecordState state = recent.get(key);
        if (state == null) {
            state = TallyTopology.RECORD_SERDE.deserialize(TallyTopics.RECORDS, records.get(key));
        }
        if (state == null) {
            state = RecordState.absent(command.resource(), command.id());
        }
        // Nothing waits for a live record (its create drained the queue), so most commands skip this read.
        List<Command> waiting = state.live() ? null : pending.get(key);
        if (waiting == null) {
            waiting = List.of();
        }
        Ledger.Step step = ledger.handle(state, waiting, command, Instant.ofEpochMilli(now));
        emit(record, command, waiting, step.decisions(), now);
        if (!step.state().equals(state)) {
            byte[] json = TallyTopology.RECORD_SERDE.serialize(TallyTopics.RECORDS, step.state());
            if (step.state().live()) {
                deletedUnpublished.remove(key);
            } else {
                deletedUnpublished.add(key);
            }
            // Published when the cache writes it (publishOnFlush).
            records.put(key, json);
            recent.put(key, step.state());
        }
        if (!step.pending().equals(waiting)) {
            pending.put(key, step.pending().isEmpty() ? null : step.pending());
        }
    }

    private void emit(Record<String, byte[]> record, Command command, List<Command> waiting, List<Decision> decisions,
                      long now) {
        Set<String> clientTxIds = new HashSet<>();
        if (command.clientTxId()) {
            clientTxIds.add(command.txId());
        }
        for (Command earlier : waiting) {
            if (earlier.clientTxId()) {
                clientTxIds.add(earlier.txId());
            }
        }
        for (Decision decision : decisions) {
            if (decision instanceof Transaction transaction) {
                // Serialized once: the audit log and the record's history hold the same bytes.
                byte[] json = TallyTopology.TRANSACTION_SERDE.serialize(TallyTopics.TRANSACTIONS, transaction);
                history.put(History.key(transaction.key(), transaction.sequence()), json);
                events.applied(transaction.resource());
                context.forward(record.withKey(transaction.key()).withValue(json), TallyTopology.TRANSACTIONS_SINK);
                if (analyticsKept.test(transaction.resource())) {
                    context.forward(record.withKey(transaction.key()).withValue(transaction), TallyTopology.ANALYTICS);
                }
                if (transaction.op().transferStep()) {
                    stepApplied(record, transaction);
                }
                remember(clientTxIds, transaction.key(), transaction.txId(), Outcome.applied(transaction.sequence()), now);
            } else if (decision instanceof Rejection rejection) {
                // Only the command in hand has a payload here; a waiting one was logged when it arrived.
                reject(record, rejection, command.txId().equals(rejection.txId()), null);
                if (command.op().transferStep() && command.txId().equals(rejection.txId())) {
                    stepRefused(record, command, rejection, now);
                }
                remember(clientTxIds, command.key(), rejection.txId(), Outcome.rejected(rejection.code()), now);
            } else if (decision instanceof Decision.Pending waitingNow) {
                remember(clientTxIds, command.key(), waitingNow.command().txId(), Outcome.pending(), now);
            }
        }
    }

    /** Notes a transfer step that went through and, after a debit, sends the credit on. */
    private void stepApplied(Record<String, byte[]> record, Transaction step) {
        String transferId = step.transfer().transferId();
        switch (step.op()) {
            case TRANSFER -> {
                transfers.put(Saga.sourceKey(transferId), Saga.debited(step));
                context.forward(record.withKey(step.transfer().key()).withValue(Saga.credit(step)), TallyTopology.SAGA_SINK);
            }
            case TRANSFER_CREDIT -> transfers.put(Saga.targetKey(transferId), Saga.applied("credited", step));
            case TRANSFER_REFUND -> transfers.put(Saga.refundKey(transferId), Saga.applied("refunded", step));
            default -> throw new IllegalStateException("not a transfer step: " + step.op());
        }
    }

    /** Notes a refused transfer step and, after a refused credit, sends the refund back to the source. */
    private void stepRefused(Record<String, byte[]> record, Command step, Rejection rejection, long now) {
        Instant at = Instant.ofEpochMilli(now);
        String transferId = step.transferId();
        switch (step.op()) {
            case TRANSFER -> transfers.put(Saga.sourceKey(transferId), Saga.refused("rejected", step, rejection, at));
            case TRANSFER_CREDIT -> {
                transfers.put(Saga.targetKey(transferId), Saga.refused("refused", step, rejection, at));
                context.forward(record.withKey(step.transfer().key()).withValue(Saga.refund(step)), TallyTopology.SAGA_SINK);
            }
            case TRANSFER_REFUND -> transfers.put(Saga.refundKey(transferId), Saga.refused("refund_failed", step, rejection, at));
            default -> throw new IllegalStateException("not a transfer step: " + step.op());
        }
    }

    private void remember(Set<String> clientTxIds, String recordKey, String txId, Outcome outcome, long now) {
        if (clientTxIds.contains(txId)) {
            dedupe.put(dedupeKey(recordKey, txId), outcome, now);
        }
    }

    /** A txId is an idempotency key within one record; '|' cannot occur in a txId. */
    private static String dedupeKey(String recordKey, String txId) {
        return recordKey + "|" + txId;
    }

    private void reject(Record<String, byte[]> record, Rejection rejection, boolean withSource, Outcome original) {
        events.rejected(rejection.code());
        RecordMetadata source = context.recordMetadata().orElse(null);
        byte[] raw = withSource ? record.value() : null;
        boolean truncated = raw != null && raw.length > maxPayloadBytes;
        byte[] kept = truncated ? java.util.Arrays.copyOf(raw, maxPayloadBytes) : raw;
        String utf8 = kept == null ? null : utf8(kept);
        RejectionRecord value = new RejectionRecord(rejection.code(), rejection.message(), rejection.txId(),
                rejection.resource(), rejection.id(), rejection.op(), rejection.field(), record.key(),
                utf8 != null ? utf8 : kept == null ? null : Base64.getEncoder().encodeToString(kept),
                kept == null ? null : utf8 != null ? "utf8" : "base64", truncated,
                withSource && source != null ? source.topic() : null,
                withSource && source != null ? source.partition() : null,
                withSource && source != null ? source.offset() : null,
                Instant.ofEpochMilli(context.currentSystemTimeMs()), original);
        context.forward(record.withValue(value), TallyTopology.REJECTIONS_SINK);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
