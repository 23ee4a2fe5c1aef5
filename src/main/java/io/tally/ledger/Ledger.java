package io.tally.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The pure core of Tally: {@link #decide} turns a command and a record's state into a transaction,
 * a rejection or a wait; {@link #evolve} applies a transaction to the state. Nothing here touches
 * Kafka, clocks or I/O, so replaying the audit log through {@code evolve} always rebuilds the same
 * records.
 */
public final class Ledger {
    private static final BigDecimal ONE = BigDecimal.ONE;

    private final Map<String, ResourceSpec> resources;
    private final int maxPendingPerRecord;

    public Ledger(Map<String, ResourceSpec> resources, int maxPendingPerRecord) {
        this.resources = Map.copyOf(resources);
        this.maxPendingPerRecord = maxPendingPerRecord;
    }

    public Map<String, ResourceSpec> resources() {
        return resources;
    }

    /** The outcome of handling one command: the record's new state, what still waits, and every decision made. */
    public record Step(RecordState state, List<Command> pending, List<Decision> decisions) {
    }

    /**
     * Decides {@code command} against {@code state} and, when it creates the record, the commands
     * that were waiting for it, in the order they arrived.
     */
    public Step handle(RecordState state, List<Command> pending, Command command, Instant processedAt) {
        for (Command waiting : pending) {
            if (command.txId() != null && command.txId().equals(waiting.txId())) {
                return new Step(state, pending, List.of(Rejection.of(RejectionCode.DUPLICATE, "txId " + command.txId()
                        + " was already received and waits for " + command.key() + " to be created", command)));
            }
        }
        Decision decision = decide(state, command, processedAt);
        if (decision instanceof Decision.Pending) {
            if (pending.size() >= maxPendingPerRecord) {
                return new Step(state, pending, List.of(Rejection.of(RejectionCode.PENDING_LIMIT,
                        pending.size() + " changes already wait for " + command.key() + " to be created", command)));
            }
            List<Command> waiting = new ArrayList<>(pending);
            waiting.add(command);
            return new Step(state, List.copyOf(waiting), List.of(decision));
        }
        if (!(decision instanceof Transaction transaction)) {
            return new Step(state, pending, List.of(decision));
        }
        List<Decision> decisions = new ArrayList<>();
        decisions.add(transaction);
        RecordState current = evolve(state, transaction);
        if (transaction.op() == Op.CREATE) {
            for (Command waiting : pending) {
                Decision later = decide(current, waiting, processedAt);
                decisions.add(later);
                if (later instanceof Transaction applied) {
                    current = evolve(current, applied);
                }
            }
            return new Step(current, List.of(), List.copyOf(decisions));
        }
        return new Step(current, pending, List.copyOf(decisions));
    }

    public Decision decide(RecordState state, Command command, Instant processedAt) {
        ResourceSpec resource = resources.get(command.resource());
        if (resource == null) {
            return Rejection.of(RejectionCode.UNKNOWN_RESOURCE, "resource '" + command.resource()
                    + "' is not configured; configured resources are " + resources.keySet().stream().sorted().toList(),
                    command);
        }
        return switch (command.op()) {
            case CREATE -> decideCreate(resource, state, command, processedAt);
            case DELETE -> state.live()
                    ? transaction(command, state, null, null, null, null, state.fields(), processedAt)
                    : Rejection.of(RejectionCode.RECORD_NOT_FOUND, command.key() + " does not exist", command);
            case ADD, SUB, SET, INCREMENT, DECREMENT, TRANSFER_CREDIT, TRANSFER_REFUND ->
                    decideChange(resource, state, command, processedAt);
            case TRANSFER -> decideTransfer(resource, state, command, processedAt);
        };
    }

    public RecordState evolve(RecordState state, Transaction transaction) {
        if (transaction.sequence() != state.version() + 1) {
            throw new IllegalStateException("transaction " + transaction.txId() + " has sequence "
                    + transaction.sequence() + " but " + state.key() + " is at version " + state.version());
        }
        Instant at = transaction.processedAt();
        return switch (transaction.op()) {
            case CREATE -> new RecordState(state.resource(), state.id(), true, new TreeMap<>(transaction.values()),
                    at, at, 1, transaction.sequence());
            case DELETE -> new RecordState(state.resource(), state.id(), false, null, state.created(), at, 0,
                    transaction.sequence());
            case ADD, SUB, SET, INCREMENT, DECREMENT, TRANSFER, TRANSFER_CREDIT, TRANSFER_REFUND -> {
                boolean creating = !state.live();
                SortedMap<String, BigDecimal> fields = new TreeMap<>(
                        creating ? resources.get(state.resource()).initialValues() : state.fields());
                fields.put(transaction.field(), transaction.after());
                yield new RecordState(state.resource(), state.id(), true, fields, creating ? at : state.created(), at,
                        creating ? 1 : state.changes() + 1, transaction.sequence());
            }
        };
    }

    private Decision decideCreate(ResourceSpec resource, RecordState state, Command command, Instant processedAt) {
        if (state.live()) {
            return Rejection.of(RejectionCode.RECORD_EXISTS, command.key() + " already exists", command);
        }
        SortedMap<String, BigDecimal> values = resource.initialValues();
        for (Map.Entry<String, String> given : new TreeMap<>(command.values()).entrySet()) {
            FieldSpec field = resource.field(given.getKey());
            if (field == null) {
                return unknownField(resource, given.getKey(), command);
            }
            Amounts.Parsed parsed = Amounts.parse(given.getValue(), field.scale());
            if (parsed instanceof Amounts.Invalid invalid) {
                return Rejection.of(RejectionCode.BAD_AMOUNT, field.name() + ": " + invalid.reason(), command);
            }
            BigDecimal value = ((Amounts.Exact) parsed).value();
            Rejection outOfBounds = checkBounds(field, null, value, command);
            if (outOfBounds != null) {
                return outOfBounds;
            }
            values.put(field.name(), value);
        }
        return transaction(command, state, null, null, null, null, values, processedAt);
    }

    /**
     * The debit of a transfer, decided like a {@code sub} of the source once the target is known
     * to be able to take the amount: a configured sum field, at a scale that holds the amount.
     * The credit and a refund follow as commands of their own; see {@link Op}.
     */
    private Decision decideTransfer(ResourceSpec resource, RecordState state, Command command, Instant processedAt) {
        TransferLeg to = command.transfer();
        if (to == null) {
            return Rejection.of(RejectionCode.MALFORMED, "transfer needs a target: to {resource, id, field}", command);
        }
        ResourceSpec target = resources.get(to.resource());
        if (target == null) {
            return Rejection.of(RejectionCode.UNKNOWN_RESOURCE, "the target resource '" + to.resource()
                    + "' is not configured", command);
        }
        FieldSpec targetField = to.field() == null ? null : target.field(to.field());
        if (targetField == null) {
            return unknownField(target, to.field(), command);
        }
        FieldSpec sourceField = command.field() == null ? null : resource.field(command.field());
        if (sourceField != null && (sourceField.reducer() != Reducers.SUM || targetField.reducer() != Reducers.SUM)) {
            return Rejection.of(RejectionCode.NOT_TRANSFERABLE, "transfers move amounts between fields kept by sum; "
                    + (sourceField.reducer() != Reducers.SUM ? sourceField.name() : targetField.name()) + " is not", command);
        }
        if (to.key().equals(command.key()) && targetField.name().equals(command.field())) {
            return Rejection.of(RejectionCode.NOT_TRANSFERABLE, "a transfer needs two different fields; from and to are both "
                    + command.key() + " " + command.field(), command);
        }
        if (Amounts.parse(command.amount(), targetField.scale()) instanceof Amounts.Invalid invalid) {
            return Rejection.of(RejectionCode.BAD_AMOUNT, "the target " + to.key() + " " + targetField.name()
                    + " cannot take it: " + invalid.reason(), command);
        }
        return decideChange(resource, state, command, processedAt);
    }

    private Decision decideChange(ResourceSpec resource, RecordState state, Command command, Instant processedAt) {
        FieldSpec field = command.field() == null ? null : resource.field(command.field());
        if (field == null) {
            return unknownField(resource, command.field(), command);
        }
        Amounts.Parsed parsed = parseAmount(command, field);
        if (parsed instanceof Amounts.Invalid invalid) {
            return Rejection.of(RejectionCode.BAD_AMOUNT, invalid.reason(), command);
        }
        BigDecimal amount = ((Amounts.Exact) parsed).value();
        String signProblem = Amounts.signProblem(command.op(), amount);
        if (signProblem != null) {
            return Rejection.of(RejectionCode.BAD_AMOUNT, signProblem, command);
        }
        if (!state.live() && (command.op() == Op.TRANSFER_REFUND || command.op().transferStep() && !resource.createOnFirstUse())) {
            // Money in flight does not wait: a transfer step to a missing record is refused (and compensated).
            return Rejection.of(RejectionCode.RECORD_NOT_FOUND, command.key() + " does not exist", command);
        }
        if (!state.live() && !resource.createOnFirstUse()) {
            return new Decision.Pending(command);
        }
        BigDecimal before = state.live() ? state.value(field.name()) : field.initial();
        BigDecimal after = switch (command.op()) {
            case SET -> amount;
            case ADD, INCREMENT, TRANSFER_CREDIT, TRANSFER_REFUND -> field.reducer().reduce(before, amount);
            case SUB, DECREMENT, TRANSFER -> field.reducer().reduce(before, amount.negate());
            case CREATE, DELETE -> throw new IllegalArgumentException("not a field change: " + command.op());
        };
        Amounts.Parsed fitted = Amounts.fit(after, field.scale());
        if (fitted instanceof Amounts.Invalid invalid) {
            return Rejection.of(RejectionCode.OVERFLOW, "the result does not fit " + field.name() + ": "
                    + invalid.reason().replaceFirst("^amount", "value"), command);
        }
        after = ((Amounts.Exact) fitted).value();
        // A refund returns what the source held before the transfer: no bound may keep it out.
        Rejection outOfBounds = command.op() == Op.TRANSFER_REFUND ? null : checkBounds(field, before, after, command);
        if (outOfBounds != null) {
            return outOfBounds;
        }
        return transaction(command, state, amount, after.subtract(before), before, after, null, processedAt);
    }

    private static Amounts.Parsed parseAmount(Command command, FieldSpec field) {
        boolean byOne = command.op() == Op.INCREMENT || command.op() == Op.DECREMENT;
        if (byOne && command.amount() == null) {
            return new Amounts.Exact(ONE.setScale(field.scale()));
        }
        return Amounts.parse(command.amount(), field.scale());
    }

    /**
     * A value outside the bounds is refused, unless it moves toward them: after the minimum of a
     * field is raised, a deposit to a record still below it must not be refused.
     */
    private static Rejection checkBounds(FieldSpec field, BigDecimal before, BigDecimal after, Command command) {
        boolean towardBounds = before != null;
        if (field.minimum() != null && after.compareTo(field.minimum()) < 0
                && !(towardBounds && after.compareTo(before) > 0)) {
            return Rejection.of(RejectionCode.BELOW_MINIMUM, field.name() + " would be " + after.toPlainString()
                    + (before == null ? "" : " (now " + before.toPlainString() + ")")
                    + ", below its minimum " + field.minimum().toPlainString(), command);
        }
        if (field.maximum() != null && after.compareTo(field.maximum()) > 0
                && !(towardBounds && after.compareTo(before) < 0)) {
            return Rejection.of(RejectionCode.ABOVE_MAXIMUM, field.name() + " would be " + after.toPlainString()
                    + (before == null ? "" : " (now " + before.toPlainString() + ")")
                    + ", above its maximum " + field.maximum().toPlainString(), command);
        }
        return null;
    }

    private static Rejection unknownField(ResourceSpec resource, String fieldName, Command command) {
        String message = fieldName == null
                ? command.op().wireName() + " needs a field; fields of " + resource.name() + " are " + resource.fields().keySet()
                : "field '" + fieldName + "' is not tracked on " + resource.name() + "; its fields are "
                        + resource.fields().keySet();
        return Rejection.of(RejectionCode.UNKNOWN_FIELD, message, command);
    }

    private static Transaction transaction(Command command, RecordState state, BigDecimal amount, BigDecimal delta,
                                           BigDecimal before, BigDecimal after, Map<String, BigDecimal> values,
                                           Instant processedAt) {
        TransferLeg transfer = command.transfer() == null ? null : command.transfer().withTransferId(command.transferId());
        return new Transaction(command.txId(), command.resource(), command.id(), command.op(), command.field(), amount,
                delta, before, after, values, state.version() + 1, command.at(), processedAt, command.meta(), transfer);
    }
}
