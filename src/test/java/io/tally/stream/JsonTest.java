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
}
