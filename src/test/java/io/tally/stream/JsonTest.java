package io.tally.stream;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JsonTest {

    @Test
    void writesInstantsExactlyAsIsoInstantDoesWhetherRepeatedOrNot() throws Exception {
        List<Instant> instants = List.of(Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-23T10:00:00Z"),
                Instant.parse("2026-11-23T10:00:00.120Z"), Instant.parse("2026-03-29T01:59:59.999999999Z"),
                Instant.parse("1969-12-31T23:59:59.000001Z"), Instant.parse("2026-11-23T10:00:00Z"), Instant.EPOCH,
                Instant.parse("+12026-01-01T00:00:00Z"));
        for (Instant instant : instants) {
            assertThat(Json.MAPPER.writeValueAsString(Map.of("at", instant)))
                    .isEqualTo("{\"at\":\"" + instant + "\"}");
            assertThat(Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(instant), Instant.class)).isEqualTo(instant);
        }
    }

    @Test
    void formatsAnyInstantAsTheJdkDoes() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        long first = Instant.parse("-0001-06-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("+10001-06-01T00:00:00Z").getEpochSecond();
        int[] nanoShapes = {0, 1_000_000, 1000, 1};
        for (int i = 0; i < 200_000; i++) {
            int shape = nanoShapes[random.nextInt(nanoShapes.length)];
            int nano = shape == 0 ? 0 : random.nextInt(1_000_000_000 / shape) * shape;
            Instant instant = Instant.ofEpochSecond(random.nextLong(first, last), nano);
            assertThat(Json.InstantWriter.iso(instant)).isEqualTo(instant.toString());
            // Another time of the same day: the day's text is reused.
            Instant sameDay = Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), 86_400) * 86_400
                    + random.nextInt(86_400), random.nextInt(1_000_000_000));
            assertThat(Json.InstantWriter.iso(sameDay)).isEqualTo(sameDay.toString());
        }
    }

    @Test
    void writesTransactionsAndRecordsByHandExactlyAsByReflection() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper reflective = Json.reflective();
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            io.tally.ledger.Transaction tx = new io.tally.ledger.Transaction(text(random), text(random), text(random),
                    maybe(random, io.tally.ledger.Op.values()[random.nextInt(io.tally.ledger.Op.values().length)]),
                    maybe(random, text(random)), decimal(random), decimal(random), decimal(random), decimal(random),
                    values(random), random.nextLong(), instant(random), instant(random),
                    maybe(random, "{\"source\":" + Json.MAPPER.writeValueAsString(text(random)) + ",\"n\":[1,2.50]}"),
                    maybe(random, new io.tally.ledger.TransferLeg(maybe(random, text(random)), text(random), text(random),
                            text(random))));
            assertThat(Json.MAPPER.writeValueAsString(tx)).isEqualTo(reflective.writeValueAsString(tx));
            io.tally.ledger.RecordState state = new io.tally.ledger.RecordState(text(random), text(random),
                    random.nextBoolean(), new java.util.TreeMap<>(values(random)), instant(random), instant(random),
                    random.nextLong(), random.nextLong());
            assertThat(Json.MAPPER.writeValueAsString(state)).isEqualTo(reflective.writeValueAsString(state));
            assertThat(TallyTopology.TRANSACTION_SERDE.serialize("t", tx)).isEqualTo(reflective.writeValueAsBytes(tx));
            assertThat(TallyTopology.RECORD_SERDE.serialize("r", state)).isEqualTo(reflective.writeValueAsBytes(state));
            assertThat(TallyTopology.TRANSACTION_SERDE.deserialize("t", TallyTopology.TRANSACTION_SERDE.serialize("t", tx)))
                    .isEqualTo(tx);
        }
    }

    private static <T> T maybe(java.util.SplittableRandom random, T value) {
        return random.nextInt(4) == 0 ? null : value;
    }

    private static String text(java.util.SplittableRandom random) {
        String[] pieces = {"w1", "wallets", "balance", "stats.clicks", "é", "🙂", "\"", "\\", "\n", "\u0001", "/", " ", ""};
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(4); n >= 0; n--) {
            text.append(pieces[random.nextInt(pieces.length)]);
        }
        return text.toString();
    }

    private static java.math.BigDecimal decimal(java.util.SplittableRandom random) {
        return maybe(random, java.math.BigDecimal.valueOf(random.nextLong(-1_000_000_000L, 1_000_000_000L),
                random.nextInt(-3, 19)));
    }

    private static Map<String, java.math.BigDecimal> values(java.util.SplittableRandom random) {
        Map<String, java.math.BigDecimal> values = new java.util.HashMap<>();
        for (int n = random.nextInt(4); n > 0; n--) {
            values.put("f" + random.nextInt(100), java.math.BigDecimal.valueOf(random.nextLong(), random.nextInt(0, 6)));
        }
        return values;
    }

    private static Instant instant(java.util.SplittableRandom random) {
        return maybe(random, Instant.ofEpochSecond(random.nextLong(0, 4_000_000_000L), random.nextInt(4) * 250_000_000));
    }
}
