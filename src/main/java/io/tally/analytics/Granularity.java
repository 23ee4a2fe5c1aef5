package io.tally.analytics;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The calendar periods analytics are kept by. A bucket is a period of the local calendar of a
 * zone, not a fixed length of time: a day is 23, 24 or 25 hours long, a week starts on Monday
 * (ISO), a month and a year on the first.
 */
public enum Granularity {
    HOUR, DAY, WEEK, MONTH, YEAR;

    private static final String VALID = Arrays.stream(values())
            .map(Granularity::wireName)
            .collect(Collectors.joining(", "));

    /** The bucket of this granularity that holds the instant, in the zone. */
    public Bucket bucketOf(Instant instant, ZoneId zone) {
        if (this == HOUR) {
            return hourOf(instant, zone);
        }
        LocalDate first = firstDayOf(instant.atZone(zone).toLocalDate());
        // atStartOfDay, not midnight: where a DST change skips midnight, the day starts at 01:00.
        return new Bucket(this, first.atStartOfDay(zone), first.plus(1, unit()).atStartOfDay(zone));
    }

    /** "hour", "day", "week", "month", "year" */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "hour"/"hours"/"HOUR"/"day"/"days"/... case-insensitively. */
    public static Granularity parse(String name) {
        if (name != null) {
            String lower = name.toLowerCase(Locale.ROOT);
            for (Granularity granularity : values()) {
                if (lower.equals(granularity.wireName()) || lower.equals(granularity.wireName() + "s")) {
                    return granularity;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown granularity '" + name + "': expected one of " + VALID + " (or a plural)");
    }

    /**
     * Whether a bucket of this granularity may be broken down by {@code finer}. A year by the hour
     * (8,760 buckets) is left out on purpose: it is too many to answer in one response.
     */
    public boolean canBreakDown(Granularity finer) {
        return switch (this) {
            case HOUR -> false;
            case DAY -> finer == HOUR;
            case WEEK -> finer == DAY || finer == HOUR;
            case MONTH -> finer == WEEK || finer == DAY || finer == HOUR;
            case YEAR -> finer == MONTH || finer == WEEK || finer == DAY;
        };
    }

    private LocalDate firstDayOf(LocalDate date) {
        return switch (this) {
            case HOUR, DAY -> date;
            case WEEK -> date.with(DayOfWeek.MONDAY);
            case MONTH -> date.withDayOfMonth(1);
            case YEAR -> date.withDayOfYear(1);
        };
    }

    private ChronoUnit unit() {
        return switch (this) {
            case HOUR -> ChronoUnit.HOURS;
            case DAY -> ChronoUnit.DAYS;
            case WEEK -> ChronoUnit.WEEKS;
            case MONTH -> ChronoUnit.MONTHS;
            case YEAR -> ChronoUnit.YEARS;
        };
    }

    /**
     * An hour is truncated on the local clock in the offset in force at the instant, so the two
     * 02:00 hours of a fall-back night are two buckets, each one hour long. Where an offset change
     * falls inside an hour (Lord Howe Island's half-hour DST, historical local mean time), the
     * bucket is cut at the change, so that hours still tile the time line without overlap.
     */
    private static Bucket hourOf(Instant instant, ZoneId zone) {
        ZoneRules rules = zone.getRules();
        Instant start = instant.atOffset(rules.getOffset(instant)).truncatedTo(ChronoUnit.HOURS).toInstant();
        Instant end = start.plus(1, ChronoUnit.HOURS);
        // The nanosecond makes previousTransition include a change at exactly this instant.
        ZoneOffsetTransition before = rules.previousTransition(instant.plusNanos(1));
        ZoneOffsetTransition after = rules.nextTransition(instant);
        if (before != null && before.getInstant().isAfter(start)) {
            start = before.getInstant();
        }
        if (after != null && after.getInstant().isBefore(end)) {
            end = after.getInstant();
        }
        return new Bucket(HOUR, start.atZone(zone), end.atZone(zone));
    }
}
