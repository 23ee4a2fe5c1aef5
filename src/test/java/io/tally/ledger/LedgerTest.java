package io.tally.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.tally.ledger.Commands.change;
import static io.tally.ledger.Commands.create;
import static io.tally.ledger.Commands.delete;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LedgerTest {
    private static final Instant NOW = Instant.parse("2025-10-09T12:00:01Z");
    private final Ledger ledger = Catalogs.ledger();

    private RecordState wallet(String balance) {
        RecordState absent = RecordState.absent("wallets", "w1");
        Transaction created = (Transaction) ledger.decide(absent, create("wallets", "w1", Map.of("balance", balance), "c"), NOW);
        return ledger.evolve(absent, created);
    }

    @Test
    void createsWithInitialValuesAndMetadata() {
        RecordState state = wallet("10");
        assertThat(state.live()).isTrue();
        assertThat(state.value("balance")).isEqualByComparingTo("10").hasScaleOf(2);
        assertThat(state.created()).isEqualTo(NOW);
        assertThat(state.modified()).isEqualTo(NOW);
        assertThat(state.changes()).isEqualTo(1);
        assertThat(state.version()).isEqualTo(1);
    }

    @Test
    void addsExactlyAtTheFieldScale() {
        Decision decision = ledger.decide(wallet("0.10"), change(Op.ADD, "wallets", "w1", "balance", "0.20", "t"), NOW);
        assertThat(decision).isInstanceOfSatisfying(Transaction.class, tx -> {
            assertThat(tx.before()).isEqualTo(new BigDecimal("0.10"));
            assertThat(tx.after()).isEqualTo(new BigDecimal("0.30"));
            assertThat(tx.delta()).isEqualTo(new BigDecimal("0.20"));
            assertThat(tx.amount()).isEqualTo(new BigDecimal("0.20"));
            assertThat(tx.sequence()).isEqualTo(2);
            assertThat(tx.processedAt()).isEqualTo(NOW);
        });
    }

    @Test
    void rejectsWithdrawalBeyondBalance() {
        Decision decision = ledger.decide(wallet("5"), change(Op.SUB, "wallets", "w1", "balance", "5.01", "t"), NOW);
        assertThat(decision).isInstanceOfSatisfying(Rejection.class, rejection -> {
            assertThat(rejection.code()).isEqualTo(RejectionCode.BELOW_MINIMUM);
            assertThat(rejection.message()).contains("-0.01").contains("minimum 0.00");
        });
    }

    @Test
    void allowsWithdrawalOfTheWholeBalance() {
        assertThat(ledger.decide(wallet("5"), change(Op.SUB, "wallets", "w1", "balance", "5", "t"), NOW))
                .isInstanceOfSatisfying(Transaction.class, tx -> assertThat(tx.after()).isEqualByComparingTo("0"));
    }

    @Test
    void rejectsAboveMaximumButAllowsMovingBackTowardIt() {
        Ledger tight = new Ledger(Map.of("counters", Catalogs.COUNTERS), 3);
        RecordState state = new RecordState("counters", "c1", true,
                new java.util.TreeMap<>(Map.of("stats.views", new BigDecimal("1200"), "stats.clicks", BigDecimal.ZERO)),
                NOW, NOW, 1, 1);
        assertThat(tight.decide(state, change(Op.ADD, "counters", "c1", "stats.views", "1", "a"), NOW))
                .isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.code()).isEqualTo(RejectionCode.ABOVE_MAXIMUM));
        assertThat(tight.decide(state, change(Op.SUB, "counters", "c1", "stats.views", "1", "b"), NOW))
                .isInstanceOf(Transaction.class);
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "add       | 1.234   | BAD_AMOUNT",
            "add       | NaN     | BAD_AMOUNT",
            "add       | Infinity| BAD_AMOUNT",
            "add       | 1e999999999 | BAD_AMOUNT",
            "add       | 1e-999999999 | BAD_AMOUNT",
            "add       | abc     | BAD_AMOUNT",
            "add       | \u0661\u0662 | BAD_AMOUNT",
            "add       | \uff11   | BAD_AMOUNT",
            "add       | NULL    | BAD_AMOUNT",
            "add       | 0       | BAD_AMOUNT",
            "add       | -1      | BAD_AMOUNT",
            "sub       | -1      | BAD_AMOUNT",
            "increment | 0       | BAD_AMOUNT",
            "add       | 999999999999999999999999999999999999 | OVERFLOW",
            "set       | -1      | BELOW_MINIMUM",
    })
    void refusesBadAmounts(String op, String amount, RejectionCode expected) {
        RecordState state = wallet("2");
        Decision decision = ledger.decide(state, change(Op.fromWire(op).orElseThrow(), "wallets", "w1", "balance", amount, "t"), NOW);
        assertThat(decision).isInstanceOfSatisfying(Rejection.class, r -> {
            assertThat(r.code()).isEqualTo(expected);
            assertThat(r.message()).isNotBlank();
        });
    }

    @Test
    void refusesUnknownResourceAndField() {
        assertThat(ledger.decide(RecordState.absent("loans", "l1"), change(Op.ADD, "loans", "l1", "x", "1", "t"), NOW))
                .isInstanceOfSatisfying(Rejection.class, r -> {
                    assertThat(r.code()).isEqualTo(RejectionCode.UNKNOWN_RESOURCE);
                    assertThat(r.message()).contains("wallets");
                });
        assertThat(ledger.decide(wallet("1"), change(Op.ADD, "wallets", "w1", "bonus", "1", "t"), NOW))
                .isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.code()).isEqualTo(RejectionCode.UNKNOWN_FIELD));
        assertThat(ledger.decide(RecordState.absent("wallets", "w1"), create("wallets", "w1", Map.of("bonus", "1"), "t"), NOW))
                .isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.code()).isEqualTo(RejectionCode.UNKNOWN_FIELD));
    }

    @Test
    void refusesCreatingTwiceAndDeletingNothing() {
        assertThat(ledger.decide(wallet("1"), create("wallets", "w1", Map.of(), "again"), NOW))
                .isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.code()).isEqualTo(RejectionCode.RECORD_EXISTS));
        assertThat(ledger.decide(RecordState.absent("wallets", "w9"), delete("wallets", "w9", "d"), NOW))
                .isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.code()).isEqualTo(RejectionCode.RECORD_NOT_FOUND));
        assertThat(ledger.decide(RecordState.absent("wallets", "w1"), create("wallets", "w1", Map.of("balance", "-1"), "c"), NOW))
                .isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.code()).isEqualTo(RejectionCode.BELOW_MINIMUM));
    }

    @Test
    void changesWaitUntilTheRecordIsCreatedThenApplyInOrder() {
        RecordState absent = RecordState.absent("wallets", "w1");
        Ledger.Step first = ledger.handle(absent, List.of(), change(Op.ADD, "wallets", "w1", "balance", "5", "a"), NOW);
        assertThat(first.decisions()).singleElement().isInstanceOf(Decision.Pending.class);
        Ledger.Step second = ledger.handle(first.state(), first.pending(), change(Op.SUB, "wallets", "w1", "balance", "7", "b"), NOW);
        Ledger.Step third = ledger.handle(second.state(), second.pending(), change(Op.SUB, "wallets", "w1", "balance", "3", "c"), NOW);
        assertThat(third.pending()).hasSize(3);

        Ledger.Step created = ledger.handle(third.state(), third.pending(), create("wallets", "w1", Map.of(), "new"), NOW);

        assertThat(created.pending()).isEmpty();
        assertThat(created.decisions()).hasSize(4);
        assertThat(created.decisions().get(1)).isInstanceOf(Transaction.class);
        assertThat(created.decisions().get(2)).isInstanceOfSatisfying(Rejection.class,
                r -> assertThat(r.code()).isEqualTo(RejectionCode.BELOW_MINIMUM));
        assertThat(created.decisions().get(3)).isInstanceOf(Transaction.class);
        assertThat(created.state().value("balance")).isEqualByComparingTo("2");
        assertThat(created.state().version()).isEqualTo(3);
    }

    @Test
    void refusesMoreWaitingChangesThanTheLimit() {
        RecordState absent = RecordState.absent("wallets", "w1");
        List<Command> waiting = List.of(change(Op.ADD, "wallets", "w1", "balance", "1", "a"),
                change(Op.ADD, "wallets", "w1", "balance", "1", "b"), change(Op.ADD, "wallets", "w1", "balance", "1", "c"));
        Ledger.Step step = ledger.handle(absent, waiting, change(Op.ADD, "wallets", "w1", "balance", "1", "d"), NOW);
        assertThat(step.decisions()).singleElement().isInstanceOfSatisfying(Rejection.class,
                r -> assertThat(r.code()).isEqualTo(RejectionCode.PENDING_LIMIT));
        assertThat(step.pending()).isEqualTo(waiting);
    }

    @Test
    void refusesARepeatOfAWaitingChange() {
        RecordState absent = RecordState.absent("wallets", "w1");
        List<Command> waiting = List.of(change(Op.ADD, "wallets", "w1", "balance", "1", "a"));
        Ledger.Step step = ledger.handle(absent, waiting, change(Op.ADD, "wallets", "w1", "balance", "1", "a"), NOW);
        assertThat(step.decisions()).singleElement().isInstanceOfSatisfying(Rejection.class,
                r -> assertThat(r.code()).isEqualTo(RejectionCode.DUPLICATE));
        assertThat(step.pending()).isEqualTo(waiting);
    }

    @Test
    void countersAreCreatedOnFirstUse() {
        RecordState absent = RecordState.absent("counters", "page");
        Ledger.Step step = ledger.handle(absent, List.of(), change(Op.INCREMENT, "counters", "page", "stats.clicks", null, "i"), NOW);
        assertThat(step.state().live()).isTrue();
        assertThat(step.state().fields()).containsEntry("stats.clicks", new BigDecimal("1")).containsEntry("stats.views", BigDecimal.ZERO);
        assertThat(step.state().changes()).isEqualTo(1);
    }

    @Test
    void deleteKeepsTheVersionCountingAndRecreateStartsFresh() {
        RecordState state = wallet("3");
        Transaction deleted = (Transaction) ledger.decide(state, delete("wallets", "w1", "d"), NOW);
        assertThat(deleted.values()).containsEntry("balance", new BigDecimal("3.00"));
        RecordState gone = ledger.evolve(state, deleted);
        assertThat(gone.live()).isFalse();
        assertThat(gone.version()).isEqualTo(2);
        Transaction again = (Transaction) ledger.decide(gone, create("wallets", "w1", Map.of(), "c2"), NOW);
        assertThat(again.sequence()).isEqualTo(3);
        assertThat(ledger.evolve(gone, again).value("balance")).isEqualByComparingTo("0");
    }

    @Test
    void customAndBuiltInReducersFoldAdds() {
        RecordState absent = RecordState.absent("scores", "s");
        Ledger.Step first = ledger.handle(absent, List.of(), change(Op.ADD, "scores", "s", "best", "7.5", "a"), NOW);
        Ledger.Step second = ledger.handle(first.state(), first.pending(), change(Op.ADD, "scores", "s", "best", "3", "b"), NOW);
        assertThat(second.state().value("best")).isEqualByComparingTo("7.5");
        assertThat(Reducers.byName("double-up")).isPresent();
        assertThat(Reducers.byName("double-up").orElseThrow().reduce(BigDecimal.ONE, BigDecimal.TEN))
                .isEqualByComparingTo("21");
    }

    @Test
    void evolveRefusesATransactionOutOfSequence() {
        RecordState state = wallet("1");
        Transaction tx = (Transaction) ledger.decide(state, change(Op.ADD, "wallets", "w1", "balance", "1", "t"), NOW);
        RecordState next = ledger.evolve(state, tx);
        assertThatThrownBy(() -> ledger.evolve(next, tx)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sequence");
    }
}
