package io.tally.stream;

import io.tally.ledger.RejectionCode;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutcomeSerdeTest {
    private final OutcomeSerde serde = new OutcomeSerde();

    @Test
    void roundTripsEveryKindInAFewBytes() {
        List<Outcome> outcomes = List.of(Outcome.applied(1), Outcome.applied(Long.MAX_VALUE), Outcome.pending(),
                Outcome.rejected(RejectionCode.BELOW_MINIMUM), Outcome.rejected(RejectionCode.RECORD_NOT_FOUND));
        for (Outcome outcome : outcomes) {
            byte[] bytes = serde.serialize("dedupe", outcome);
            assertThat(serde.deserialize("dedupe", bytes)).isEqualTo(outcome);
            assertThat(bytes.length).isLessThan(20);
        }
        assertThat(serde.serialize("dedupe", null)).isNull();
        assertThat(serde.deserialize("dedupe", null)).isNull();
    }

    @Test
    void refusesJsonWhichOnlyTheStoreOfEarlierVersionsHolds() {
        assertThatThrownBy(() -> serde.deserialize("dedupe", json("{\"kind\":\"APPLIED\",\"sequence\":42,\"code\":null}")))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown version");
    }

    @Test
    void refusesUnknownVersionsKindsCodesAndTruncatedValuesWithAReason() {
        assertThatThrownBy(() -> serde.deserialize("dedupe", new byte[] {9, 'A'})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown version");
        assertThatThrownBy(() -> serde.deserialize("dedupe", new byte[] {1, 'A', 0, 0})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not 10");
        assertThatThrownBy(() -> serde.deserialize("dedupe", new byte[] {1, 'X'})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown kind");
        assertThatThrownBy(() -> serde.deserialize("dedupe", new byte[] {1, 'R', 'N', 'O'})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown rejection code NO");
        assertThatThrownBy(() -> serde.deserialize("dedupe", new byte[0])).isInstanceOf(SerializationException.class);
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
