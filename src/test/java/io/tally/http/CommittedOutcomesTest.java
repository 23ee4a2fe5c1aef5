package io.tally.http;

import io.tally.ledger.Op;
import io.tally.ledger.RejectionCode;
import io.tally.ledger.Transaction;
import io.tally.stream.RejectionRecord;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CommittedOutcomesTest {
    private static final Instant AT = Instant.parse("2025-10-09T12:00:00Z");

    @Test
    void theTransactionIdIsReadFromATransactionAsWritten() {
        Transaction transaction = new Transaction("tx-1", "wallets", "w1", Op.ADD, "balance", BigDecimal.ONE,
                BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ONE, Map.of(), 1, AT, AT, null);

        assertThat(CommittedOutcomes.txId(TallyTopology.TRANSACTION_SERDE.serialize(TallyTopics.TRANSACTIONS, transaction)))
                .isEqualTo("tx-1");
    }

    @Test
    void theTransactionIdIsReadFromARejectionWhereverItStands() {
        RejectionRecord rejection = new RejectionRecord(RejectionCode.UNKNOWN_RESOURCE, "unknown resource 'x'", "tx-2",
                "x", "w1", Op.ADD, "balance", "x/w1", null, null, false, TallyTopics.COMMANDS, 3, 17L, AT, null);

        assertThat(CommittedOutcomes.txId(TallyTopology.REJECTION_SERDE.serialize(TallyTopics.REJECTIONS, rejection)))
                .isEqualTo("tx-2");
    }

    @Test
    void onlyTheTopLevelIdCounts() {
        assertThat(txId("{\"meta\": {\"txId\": \"inner\"}, \"tags\": [\"txId\"], \"txId\": \"outer\"}")).isEqualTo("outer");
    }

    @Test
    void aValueWithoutAStringIdHasNone() {
        assertThat(txId("{\"op\": \"add\"}")).isNull();
        assertThat(txId("{\"txId\": null}")).isNull();
        assertThat(txId("{\"txId\": 12}")).isNull();
        assertThat(txId("[\"txId\", \"tx-1\"]")).isNull();
        assertThat(txId("{\"op\": \"add\", \"txId\": ")).isNull();
        assertThat(txId("not json")).isNull();
    }

    private static String txId(String json) {
        return CommittedOutcomes.txId(json.getBytes(StandardCharsets.UTF_8));
    }
}
