package io.tally.analytics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GranularityTest {

    @ParameterizedTest
    @CsvSource({
        "hour, HOUR", "hours, HOUR", "HOUR, HOUR", "Hours, HOUR",
        "day, DAY", "days, DAY", "DAY, DAY",
        "week, WEEK", "WEEKS, WEEK",
        "month, MONTH", "Months, MONTH",
        "year, YEAR", "years, YEAR", "YEARS, YEAR",
    })
    void parsesNamesAndPluralsInAnyCase(String name, Granularity expected) {
        assertThat(Granularity.parse(name)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(value = {"fortnight", "''", "h", "hourss", "dayly", "' day'", "minute", "quarter"}, emptyValue = "")
    void rejectsUnknownNamesNamingTheValueAndTheValidOnes(String name) {
        assertThatThrownBy(() -> Granularity.parse(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("hour, day, week, month, year");
    }

    @Test
    void rejectsAMissingName() {
        assertThatThrownBy(() -> Granularity.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'null'")
                .hasMessageContaining("hour, day, week, month, year");
    }

    @ParameterizedTest
    @CsvSource({"HOUR, hour", "DAY, day", "WEEK, week", "MONTH, month", "YEAR, year"})
    void wireNamesAreLowerCaseAndParseBack(Granularity granularity, String wireName) {
        assertThat(granularity.wireName()).isEqualTo(wireName);
        assertThat(Granularity.parse(wireName)).isSameAs(granularity);
    }

    /** Every pair: coarse, finer, allowed. */
    @ParameterizedTest
    @CsvSource({
        "HOUR, HOUR, false", "HOUR, DAY, false", "HOUR, WEEK, false", "HOUR, MONTH, false", "HOUR, YEAR, false",
        "DAY, HOUR, true", "DAY, DAY, false", "DAY, WEEK, false", "DAY, MONTH, false", "DAY, YEAR, false",
        "WEEK, HOUR, true", "WEEK, DAY, true", "WEEK, WEEK, false", "WEEK, MONTH, false", "WEEK, YEAR, false",
        "MONTH, HOUR, true", "MONTH, DAY, true", "MONTH, WEEK, true", "MONTH, MONTH, false", "MONTH, YEAR, false",
        "YEAR, HOUR, false", "YEAR, DAY, true", "YEAR, WEEK, true", "YEAR, MONTH, true", "YEAR, YEAR, false",
    })
    void breaksDownOnlyIntoFinerGranularitiesOfAManageableCount(Granularity coarse, Granularity finer, boolean allowed) {
        assertThat(coarse.canBreakDown(finer)).isEqualTo(allowed);
    }
}
