package io.tally.analytics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Calendar buckets, with the DST changes of Paris (last Sundays of March and October) and New York. */
class BucketTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final ZoneId UTC = ZoneId.of("UTC");

    @ParameterizedTest
    @CsvSource({
        // granularity, instant, zone, start, end, label
        "HOUR, 2026-03-29T00:30:00Z, Europe/Paris, 2026-03-29T01:00+01:00, 2026-03-29T03:00+02:00, 2026-03-29T01:00+01:00",
        "HOUR, 2026-03-29T01:00:00Z, Europe/Paris, 2026-03-29T03:00+02:00, 2026-03-29T04:00+02:00, 2026-03-29T03:00+02:00",
        "HOUR, 2026-10-25T00:59:59Z, Europe/Paris, 2026-10-25T02:00+02:00, 2026-10-25T02:00+01:00, 2026-10-25T02:00+02:00",
        "HOUR, 2026-10-25T01:00:00Z, Europe/Paris, 2026-10-25T02:00+01:00, 2026-10-25T03:00+01:00, 2026-10-25T02:00+01:00",
        "HOUR, 2026-11-01T05:30:00Z, America/New_York, 2026-11-01T01:00-04:00, 2026-11-01T01:00-05:00, 2026-11-01T01:00-04:00",
        "HOUR, 2026-11-01T06:30:00Z, America/New_York, 2026-11-01T01:00-05:00, 2026-11-01T02:00-05:00, 2026-11-01T01:00-05:00",
        "HOUR, 2026-06-01T10:15:00Z, Asia/Kolkata, 2026-06-01T15:00+05:30, 2026-06-01T16:00+05:30, 2026-06-01T15:00+05:30",
        "HOUR, 2025-12-31T23:30:00Z, UTC, 2025-12-31T23:00Z, 2026-01-01T00:00Z, 2025-12-31T23:00Z",
        "DAY, 2026-03-28T22:59:59Z, Europe/Paris, 2026-03-28T00:00+01:00, 2026-03-29T00:00+01:00, 2026-03-28",
        "DAY, 2026-03-28T23:00:00Z, Europe/Paris, 2026-03-29T00:00+01:00, 2026-03-30T00:00+02:00, 2026-03-29",
        "DAY, 2026-11-01T04:30:00Z, America/New_York, 2026-11-01T00:00-04:00, 2026-11-02T00:00-05:00, 2026-11-01",
        // Midnight does not exist on these days: the day starts at 01:00.
        "DAY, 2018-11-04T12:00:00Z, America/Sao_Paulo, 2018-11-04T01:00-02:00, 2018-11-05T00:00-02:00, 2018-11-04",
        "DAY, 2019-03-31T12:00:00Z, Asia/Beirut, 2019-03-31T01:00+03:00, 2019-04-01T00:00+03:00, 2019-03-31",
        "WEEK, 2020-12-31T12:00:00Z, UTC, 2020-12-28T00:00Z, 2021-01-04T00:00Z, 2020-W53",
        "WEEK, 2021-01-03T23:59:59Z, UTC, 2020-12-28T00:00Z, 2021-01-04T00:00Z, 2020-W53",
        "WEEK, 2021-01-04T00:00:00Z, UTC, 2021-01-04T00:00Z, 2021-01-11T00:00Z, 2021-W01",
        "WEEK, 2024-12-30T00:00:00Z, UTC, 2024-12-30T00:00Z, 2025-01-06T00:00Z, 2025-W01",
        "WEEK, 2026-01-01T12:00:00Z, UTC, 2025-12-29T00:00Z, 2026-01-05T00:00Z, 2026-W01",
        "WEEK, 2026-12-31T12:00:00Z, UTC, 2026-12-28T00:00Z, 2027-01-04T00:00Z, 2026-W53",
        "WEEK, 2026-03-29T12:00:00Z, Europe/Paris, 2026-03-23T00:00+01:00, 2026-03-30T00:00+02:00, 2026-W13",
        "MONTH, 2024-02-29T23:59:59Z, UTC, 2024-02-01T00:00Z, 2024-03-01T00:00Z, 2024-02",
        "MONTH, 2026-03-31T22:30:00Z, Europe/Paris, 2026-04-01T00:00+02:00, 2026-05-01T00:00+02:00, 2026-04",
        "YEAR, 2025-12-31T23:30:00Z, UTC, 2025-01-01T00:00Z, 2026-01-01T00:00Z, 2025",
        "YEAR, 2025-12-31T23:30:00Z, Europe/Paris, 2026-01-01T00:00+01:00, 2027-01-01T00:00+01:00, 2026",
    })
    void holdsTheInstantInTheLocalCalendarPeriod(
            Granularity granularity, Instant instant, ZoneId zone, OffsetDateTime start, OffsetDateTime end, String label) {
        Bucket bucket = granularity.bucketOf(instant, zone);
        assertThat(bucket.granularity()).isEqualTo(granularity);
        assertThat(bucket.start().toOffsetDateTime()).isEqualTo(start);
        assertThat(bucket.end().toOffsetDateTime()).isEqualTo(end);
        assertThat(bucket.start().getZone()).isEqualTo(zone);
        assertThat(bucket.label()).isEqualTo(label);
        assertThat(bucket.contains(instant)).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "HOUR, 2026-10-25T00:30:00Z, Europe/Paris, PT1H",
        "HOUR, 2026-10-25T01:30:00Z, Europe/Paris, PT1H",
        "HOUR, 2026-03-29T00:30:00Z, Europe/Paris, PT1H",
        "DAY, 2026-06-01T12:00:00Z, Europe/Paris, PT24H",
        "DAY, 2026-03-29T12:00:00Z, Europe/Paris, PT23H",
        "DAY, 2026-10-25T12:00:00Z, Europe/Paris, PT25H",
        "DAY, 2026-03-08T12:00:00Z, America/New_York, PT23H",
        "DAY, 2026-11-01T12:00:00Z, America/New_York, PT25H",
        "DAY, 2018-11-04T12:00:00Z, America/Sao_Paulo, PT23H",
        "DAY, 2026-10-04T12:00:00Z, Australia/Lord_Howe, PT23H30M",
        "WEEK, 2026-03-25T12:00:00Z, Europe/Paris, PT167H",
        "WEEK, 2026-06-01T12:00:00Z, Europe/Paris, PT168H",
        "MONTH, 2024-02-10T00:00:00Z, UTC, PT696H",
        "MONTH, 2025-02-10T00:00:00Z, UTC, PT672H",
        "MONTH, 2026-03-10T00:00:00Z, Europe/Paris, PT743H",
        "MONTH, 2026-10-10T00:00:00Z, Europe/Paris, PT745H",
        "YEAR, 2024-06-01T00:00:00Z, UTC, PT8784H",
        "YEAR, 2025-06-01T00:00:00Z, UTC, PT8760H",
        "YEAR, 2026-06-01T00:00:00Z, Europe/Paris, PT8760H",
    })
    void lastsTheElapsedTimeOfItsPeriod(Granularity granularity, Instant instant, ZoneId zone, Duration length) {
        assertThat(granularity.bucketOf(instant, zone).length()).isEqualTo(length);
    }

    @Test
    void halfHourZonesStartTheirHoursAtHalfPastInUtc() {
        Bucket hour = Granularity.HOUR.bucketOf(Instant.parse("2026-06-01T10:15:00Z"), ZoneId.of("Asia/Kolkata"));
        assertThat(hour.startInstant()).isEqualTo(Instant.parse("2026-06-01T09:30:00Z"));
        assertThat(hour.endInstant()).isEqualTo(Instant.parse("2026-06-01T10:30:00Z"));
    }

    @ParameterizedTest
    @CsvSource({
        "Europe/Paris, 2026-06-01, 24",
        "Europe/Paris, 2026-03-29, 23",
        "Europe/Paris, 2026-10-25, 25",
        "America/New_York, 2026-03-08, 23",
        "America/New_York, 2026-11-01, 25",
        "UTC, 2026-03-29, 24",
        "Asia/Kolkata, 2026-03-29, 24",
        // Half-hour DST: one bucket of the day is the 30 minutes of local 02:30-03:00.
        "Australia/Lord_Howe, 2026-10-04, 24",
        "Australia/Lord_Howe, 2026-04-05, 25",
    })
    void aDayBreaksDownIntoItsLocalHours(ZoneId zone, LocalDate date, int hours) {
        Bucket day = Granularity.DAY.bucketOf(date.atStartOfDay(zone).toInstant(), zone);
        List<Bucket> buckets = day.breakDown(Granularity.HOUR);
        assertThat(buckets).hasSize(hours);
        assertTiles(day, buckets);
        assertThat(buckets).allSatisfy(hour -> assertThat(hour.length()).isLessThanOrEqualTo(Duration.ofHours(1)));
    }

    @Test
    void aFallBackNightHasTwoDistinctTwoOClockHours() {
        List<Bucket> hours = Granularity.DAY.bucketOf(Instant.parse("2026-10-25T12:00:00Z"), PARIS).breakDown(Granularity.HOUR);
        assertThat(labels(hours).subList(0, 5)).containsExactly(
                "2026-10-25T00:00+02:00", "2026-10-25T01:00+02:00",
                "2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00", "2026-10-25T03:00+01:00");
        List<Bucket> twoOClock = hours.stream().filter(hour -> hour.start().getHour() == 2).toList();
        assertThat(twoOClock).extracting(Bucket::startInstant)
                .containsExactly(Instant.parse("2026-10-25T00:00:00Z"), Instant.parse("2026-10-25T01:00:00Z"));
        assertThat(twoOClock).extracting(Bucket::length).containsOnly(Duration.ofHours(1));
    }

    @Test
    void aSpringForwardNightSkipsTwoOClock() {
        List<Bucket> hours = Granularity.DAY.bucketOf(Instant.parse("2026-03-29T12:00:00Z"), PARIS).breakDown(Granularity.HOUR);
        assertThat(labels(hours).subList(0, 4)).containsExactly(
                "2026-03-29T00:00+01:00", "2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00");
    }

    @Test
    void newYorkRepeatsOneOClockInNovemberAndSkipsTwoOClockInMarch() {
        ZoneId newYork = ZoneId.of("America/New_York");
        List<Bucket> november = Granularity.DAY.bucketOf(Instant.parse("2026-11-01T12:00:00Z"), newYork).breakDown(Granularity.HOUR);
        assertThat(labels(november).subList(0, 4)).containsExactly(
                "2026-11-01T00:00-04:00", "2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00", "2026-11-01T02:00-05:00");
        List<Bucket> march = Granularity.DAY.bucketOf(Instant.parse("2026-03-08T12:00:00Z"), newYork).breakDown(Granularity.HOUR);
        assertThat(labels(march).subList(0, 3)).containsExactly(
                "2026-03-08T00:00-05:00", "2026-03-08T01:00-05:00", "2026-03-08T03:00-04:00");
    }

    @Test
    void isoYear2026HasAWeek53And2025DoesNot() {
        assertThat(IsoFields.WEEK_OF_WEEK_BASED_YEAR.rangeRefinedBy(LocalDate.of(2026, 6, 1)).getMaximum()).isEqualTo(53);
        assertThat(IsoFields.WEEK_OF_WEEK_BASED_YEAR.rangeRefinedBy(LocalDate.of(2025, 6, 1)).getMaximum()).isEqualTo(52);
        Bucket lastWeekOf2025 = Granularity.WEEK.bucketOf(Instant.parse("2025-12-28T12:00:00Z"), UTC);
        assertThat(lastWeekOf2025.label()).isEqualTo("2025-W52");
        assertThat(lastWeekOf2025.next().label()).isEqualTo("2026-W01");
        assertThat(Granularity.WEEK.bucketOf(Instant.parse("2026-12-31T12:00:00Z"), UTC).next().label()).isEqualTo("2027-W01");
    }

    @ParameterizedTest
    @CsvSource({
        // coarse, instant, zone, finer, count, first label, last label
        "DAY, 2026-06-01T12:00:00Z, UTC, HOUR, 24, 2026-06-01T00:00Z, 2026-06-01T23:00Z",
        "DAY, 2026-03-29T12:00:00Z, Europe/Paris, HOUR, 23, 2026-03-29T00:00+01:00, 2026-03-29T23:00+02:00",
        "DAY, 2026-10-25T12:00:00Z, Europe/Paris, HOUR, 25, 2026-10-25T00:00+02:00, 2026-10-25T23:00+01:00",
        "WEEK, 2026-03-25T12:00:00Z, Europe/Paris, DAY, 7, 2026-03-23, 2026-03-29",
        "WEEK, 2026-03-25T12:00:00Z, Europe/Paris, HOUR, 167, 2026-03-23T00:00+01:00, 2026-03-29T23:00+02:00",
        "WEEK, 2020-12-31T12:00:00Z, UTC, DAY, 7, 2020-12-28, 2021-01-03",
        "MONTH, 2026-03-10T00:00:00Z, UTC, WEEK, 6, 2026-W09, 2026-W14",
        "MONTH, 2026-02-10T00:00:00Z, UTC, WEEK, 5, 2026-W05, 2026-W09",
        "MONTH, 2024-02-10T00:00:00Z, UTC, DAY, 29, 2024-02-01, 2024-02-29",
        "MONTH, 2026-03-10T00:00:00Z, Europe/Paris, HOUR, 743, 2026-03-01T00:00+01:00, 2026-03-31T23:00+02:00",
        "YEAR, 2026-06-01T00:00:00Z, UTC, MONTH, 12, 2026-01, 2026-12",
        "YEAR, 2024-06-01T00:00:00Z, UTC, DAY, 366, 2024-01-01, 2024-12-31",
        "YEAR, 2025-06-01T00:00:00Z, UTC, DAY, 365, 2025-01-01, 2025-12-31",
        "YEAR, 2026-06-01T00:00:00Z, UTC, WEEK, 53, 2026-W01, 2026-W53",
        "YEAR, 2025-06-01T00:00:00Z, UTC, WEEK, 53, 2025-W01, 2026-W01",
        "YEAR, 2021-06-01T00:00:00Z, UTC, WEEK, 53, 2020-W53, 2021-W52",
    })
    void breaksDownIntoTheFinerBucketsCoveringIt(
            Granularity coarse, Instant instant, ZoneId zone, Granularity finer, int count, String first, String last) {
        Bucket bucket = coarse.bucketOf(instant, zone);
        List<Bucket> buckets = bucket.breakDown(finer);
        assertThat(buckets).hasSize(count).allSatisfy(b -> assertThat(b.granularity()).isEqualTo(finer));
        assertThat(buckets.get(0).label()).isEqualTo(first);
        assertThat(buckets.get(count - 1).label()).isEqualTo(last);
        assertContiguous(buckets);
        assertThat(buckets.get(0).contains(bucket.startInstant())).isTrue();
        assertThat(buckets.get(count - 1).contains(bucket.endInstant().minusNanos(1))).isTrue();
    }

    @Test
    void aMonthByWeekIncludesTheWeeksOverlappingEitherEnd() {
        Bucket march = Granularity.MONTH.bucketOf(Instant.parse("2026-03-10T00:00:00Z"), UTC);
        List<Bucket> weeks = march.breakDown(Granularity.WEEK);
        assertThat(weeks.get(0).startInstant()).isEqualTo(Instant.parse("2026-02-23T00:00:00Z"));
        assertThat(weeks.get(weeks.size() - 1).endInstant()).isEqualTo(Instant.parse("2026-04-06T00:00:00Z"));
    }

    @ParameterizedTest
    @CsvSource({
        "HOUR, HOUR", "HOUR, DAY", "HOUR, YEAR", "DAY, DAY", "DAY, WEEK", "DAY, MONTH",
        "WEEK, WEEK", "WEEK, MONTH", "MONTH, MONTH", "MONTH, YEAR", "YEAR, HOUR", "YEAR, YEAR",
    })
    void refusesBreakDownsItCannotDo(Granularity coarse, Granularity finer) {
        Bucket bucket = coarse.bucketOf(Instant.parse("2026-03-10T00:00:00Z"), UTC);
        assertThatThrownBy(() -> bucket.breakDown(finer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a " + coarse.wireName() + " cannot be broken down by " + finer.wireName());
    }

    @ParameterizedTest
    @CsvSource({
        // granularity, from, to, zone, count, first label, last label
        "HOUR, 2025-12-31T23:30:00Z, 2026-01-01T01:00:00Z, UTC, 2, 2025-12-31T23:00Z, 2026-01-01T00:00Z",
        "HOUR, 2025-12-31T23:30:00Z, 2026-01-01T01:00:00.000000001Z, UTC, 3, 2025-12-31T23:00Z, 2026-01-01T01:00Z",
        "HOUR, 2026-01-01T00:00:00Z, 2026-01-01T00:00:00.000000001Z, UTC, 1, 2026-01-01T00:00Z, 2026-01-01T00:00Z",
        "HOUR, 2026-10-24T22:00:00Z, 2026-10-25T23:00:00Z, Europe/Paris, 25, 2026-10-25T00:00+02:00, 2026-10-25T23:00+01:00",
        "HOUR, 2026-03-08T05:00:00Z, 2026-03-09T04:00:00Z, America/New_York, 23, 2026-03-08T00:00-05:00, 2026-03-08T23:00-04:00",
        "DAY, 2026-03-01T05:00:00Z, 2026-04-01T04:00:00Z, America/New_York, 31, 2026-03-01, 2026-03-31",
        "DAY, 2025-12-30T12:00:00Z, 2026-01-02T00:00:00Z, UTC, 3, 2025-12-30, 2026-01-01",
        "WEEK, 2020-12-20T00:00:00Z, 2021-01-10T00:00:00Z, UTC, 4, 2020-W51, 2021-W01",
        "MONTH, 2025-11-15T00:00:00Z, 2026-02-01T00:00:00Z, UTC, 3, 2025-11, 2026-01",
        "MONTH, 2025-11-15T00:00:00Z, 2026-10-31T23:00:00Z, Europe/Paris, 12, 2025-11, 2026-10",
        "YEAR, 2020-06-01T00:00:00Z, 2026-01-01T00:00:00Z, UTC, 6, 2020, 2025",
    })
    void betweenListsContiguousBucketsFromTheOneHoldingFromToTheOneBeforeTo(
            Granularity granularity, Instant from, Instant to, ZoneId zone, int count, String first, String last) {
        List<Bucket> buckets = Bucket.between(granularity, from, to, zone);
        assertThat(buckets).hasSize(count);
        assertThat(buckets.get(0).label()).isEqualTo(first);
        assertThat(buckets.get(count - 1).label()).isEqualTo(last);
        assertContiguous(buckets);
        assertThat(buckets.get(0).contains(from)).isTrue();
        assertThat(buckets.get(count - 1).contains(to.minusNanos(1))).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "HOUR, 2026-01-01T00:00:00Z, 2026-01-01T00:00:00Z",
        "HOUR, 2026-01-01T00:30:00Z, 2026-01-01T00:10:00Z",
        "YEAR, 2026-06-01T00:00:00Z, 2026-06-01T00:00:00Z",
        "YEAR, 2026-06-01T00:00:00Z, 2025-01-01T00:00:00Z",
    })
    void betweenIsEmptyUnlessToIsAfterFrom(Granularity granularity, Instant from, Instant to) {
        assertThat(Bucket.between(granularity, from, to, UTC)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        // granularity, count, now, zone, first label, last label
        "HOUR, 3, 2026-03-29T01:30:00Z, Europe/Paris, 2026-03-29T00:00+01:00, 2026-03-29T03:00+02:00",
        "HOUR, 4, 2026-10-25T01:30:00Z, Europe/Paris, 2026-10-25T00:00+02:00, 2026-10-25T02:00+01:00",
        "DAY, 3, 2026-01-01T10:00:00Z, UTC, 2025-12-30, 2026-01-01",
        "DAY, 2, 2026-10-26T12:00:00Z, Europe/Paris, 2026-10-25, 2026-10-26",
        "WEEK, 2, 2021-01-05T00:00:00Z, UTC, 2020-W53, 2021-W01",
        "MONTH, 13, 2026-03-15T00:00:00Z, UTC, 2025-03, 2026-03",
        "YEAR, 1, 2026-03-15T00:00:00Z, UTC, 2026, 2026",
    })
    void lastListsTheBucketsUpToNowOldestFirst(
            Granularity granularity, int count, Instant now, ZoneId zone, String first, String last) {
        List<Bucket> buckets = Bucket.last(granularity, count, now, zone);
        assertThat(buckets).hasSize(count);
        assertThat(buckets.get(0).label()).isEqualTo(first);
        assertThat(buckets.get(count - 1).label()).isEqualTo(last);
        assertThat(buckets.get(count - 1).contains(now)).isTrue();
        assertContiguous(buckets);
    }

    @Test
    void lastOfNoneIsEmptyAndOfANegativeCountIsAnError() {
        Instant now = Instant.parse("2026-03-15T00:00:00Z");
        assertThat(Bucket.last(Granularity.DAY, 0, now, UTC)).isEmpty();
        assertThatThrownBy(() -> Bucket.last(Granularity.DAY, -1, now, UTC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    /** Instants on or next to DST changes, year ends and half-hour offsets. */
    @ParameterizedTest
    @EnumSource(Granularity.class)
    void nextAndPreviousStepToTheAdjoiningBuckets(Granularity granularity) {
        List<ZonedDateTime> instants = List.of(
                ZonedDateTime.parse("2026-03-29T01:00:00Z").withZoneSameInstant(PARIS),
                ZonedDateTime.parse("2026-10-25T00:59:59Z").withZoneSameInstant(PARIS),
                ZonedDateTime.parse("2026-10-25T01:00:00Z").withZoneSameInstant(PARIS),
                ZonedDateTime.parse("2026-11-01T06:00:00Z").withZoneSameInstant(ZoneId.of("America/New_York")),
                ZonedDateTime.parse("2026-10-03T15:30:00Z").withZoneSameInstant(ZoneId.of("Australia/Lord_Howe")),
                ZonedDateTime.parse("2025-12-31T23:59:59.999999999Z").withZoneSameInstant(UTC),
                ZonedDateTime.parse("2026-01-01T00:00:00Z").withZoneSameInstant(ZoneId.of("Asia/Kolkata")));
        for (ZonedDateTime at : instants) {
            Bucket bucket = granularity.bucketOf(at.toInstant(), at.getZone());
            assertThat(bucket.next().start()).isEqualTo(bucket.end());
            assertThat(bucket.previous().end()).isEqualTo(bucket.start());
            assertThat(bucket.next().previous()).isEqualTo(bucket);
            assertThat(bucket.previous().next()).isEqualTo(bucket);
            assertThat(bucket.contains(bucket.startInstant())).isTrue();
            assertThat(bucket.contains(bucket.endInstant().minusNanos(1))).isTrue();
            assertThat(bucket.contains(bucket.endInstant())).isFalse();
            assertThat(bucket.contains(bucket.startInstant().minusNanos(1))).isFalse();
        }
    }

    @Test
    void refusesABucketThatDoesNotEndAfterItStartsInTheSameZone() {
        ZonedDateTime start = ZonedDateTime.parse("2026-03-10T00:00:00Z[UTC]");
        assertThatThrownBy(() -> new Bucket(Granularity.DAY, start, start))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Bucket(Granularity.DAY, start, start.minusDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Bucket(Granularity.DAY, start, start.plusDays(1).withZoneSameInstant(PARIS)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> labels(List<Bucket> buckets) {
        return buckets.stream().map(Bucket::label).toList();
    }

    private static void assertContiguous(List<Bucket> buckets) {
        for (int i = 1; i < buckets.size(); i++) {
            assertThat(buckets.get(i - 1).next()).isEqualTo(buckets.get(i));
            assertThat(buckets.get(i).start()).isEqualTo(buckets.get(i - 1).end());
        }
    }

    /** Contiguous, from the bucket's start to its end exactly. */
    private static void assertTiles(Bucket bucket, List<Bucket> finer) {
        assertContiguous(finer);
        assertThat(finer.get(0).start()).isEqualTo(bucket.start());
        assertThat(finer.get(finer.size() - 1).end()).isEqualTo(bucket.end());
        assertThat(finer.stream().map(Bucket::length).reduce(Duration.ZERO, Duration::plus)).isEqualTo(bucket.length());
    }
}
