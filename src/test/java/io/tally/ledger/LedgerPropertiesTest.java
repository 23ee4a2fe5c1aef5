package io.tally.ledger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Invariants over random command streams for several wallets: the audit log alone rebuilds everything. */
class LedgerPropertiesTest {
    private static final Instant NOW = Instant.parse("2025-10-09T12:00:00Z");
    private final Ledger ledger = Catalogs.ledger();

    @Property(tries = 300)
    void replayingTheAuditLogRebuildsEveryRecord(@ForAll("streams") List<Command> commands) {
        Run run = run(commands);
        Map<String, RecordState> replayed = new HashMap<>();
        for (Transaction tx : run.log) {
            RecordState state = replayed.getOrDefault(tx.key(), RecordState.absent(tx.resource(), tx.id()));
            replayed.put(tx.key(), ledger.evolve(state, tx));
        }
        run.states.forEach((key, state) -> {
            if (state.version() > 0) {
                assertThat(replayed.get(key)).isEqualTo(state);
            }
        });
    }

    @Property(tries = 300)
    void theBalanceIsTheSumOfTheDeltasAndNeverBelowZero(@ForAll("streams") List<Command> commands) {
        Run run = run(commands);
        Map<String, BigDecimal> sums = new HashMap<>();
        for (Transaction tx : run.log) {
            BigDecimal change = switch (tx.op()) {
                case CREATE -> tx.values().get("balance");
                case DELETE -> tx.values().get("balance").negate();
                default -> tx.delta();
            };
            sums.merge(tx.key(), change, BigDecimal::add);
        }
        run.states.forEach((key, state) -> {
            BigDecimal balance = state.live() ? state.value("balance") : BigDecimal.ZERO;
            assertThat(balance.signum()).isGreaterThanOrEqualTo(0);
            assertThat(sums.getOrDefault(key, BigDecimal.ZERO)).isEqualByComparingTo(balance);
        });
    }

    @Property(tries = 300)
    void everyCommandIsDecidedOnceOrStillWaits(@ForAll("streams") List<Command> commands) {
        Run run = run(commands);
        int waiting = run.pending.values().stream().mapToInt(List::size).sum();
        assertThat(run.log.size() + run.rejections + waiting).isEqualTo(commands.size());
        assertThat(run.log.stream().map(Transaction::txId).distinct().count()).isEqualTo(run.log.size());
    }

    private record Run(List<Transaction> log, Map<String, RecordState> states, Map<String, List<Command>> pending,
                       int rejections) {
    }

    private Run run(List<Command> commands) {
        Ledger roomy = new Ledger(ledger.resources(), 1_000);
        List<Transaction> log = new ArrayList<>();
        Map<String, RecordState> states = new HashMap<>();
        Map<String, List<Command>> pending = new HashMap<>();
        int rejections = 0;
        for (Command command : commands) {
            RecordState state = states.getOrDefault(command.key(), RecordState.absent(command.resource(), command.id()));
            Ledger.Step step = roomy.handle(state, pending.getOrDefault(command.key(), List.of()), command, NOW);
            for (Decision decision : step.decisions()) {
                if (decision instanceof Transaction tx) {
                    log.add(tx);
                } else if (decision instanceof Rejection) {
                    rejections++;
                }
            }
            states.put(command.key(), step.state());
            pending.put(command.key(), step.pending());
        }
        return new Run(log, states, pending, rejections);
    }

    @Provide
    Arbitrary<List<Command>> streams() {
        Arbitrary<String> ids = Arbitraries.of("w1", "w2", "w3");
        Arbitrary<Op> ops = Arbitraries.of(Op.values());
        Arbitrary<String> amounts = Arbitraries.bigDecimals().between(new BigDecimal("-5"), new BigDecimal("50"))
                .ofScale(2).map(BigDecimal::toPlainString);
        return Combinators.combine(ops, ids, amounts).as((op, id, amount) -> switch (op) {
            case CREATE -> Commands.create("wallets", id, Map.of("balance", amount.startsWith("-") ? "0" : amount), null);
            case DELETE -> Commands.delete("wallets", id, null);
            default -> Commands.change(op, "wallets", id, "balance", amount, null);
        }).list().ofMaxSize(60).map(LedgerPropertiesTest::numbered);
    }

    private static List<Command> numbered(List<Command> commands) {
        List<Command> withIds = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            withIds.add(commands.get(i).withTxId("tx-" + i));
        }
        return withIds;
    }
}
