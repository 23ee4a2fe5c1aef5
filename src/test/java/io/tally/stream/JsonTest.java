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
        }
    }
}
