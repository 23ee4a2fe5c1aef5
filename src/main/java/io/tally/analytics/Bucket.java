package io.tally.analytics;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A calendar period in a zone: [start, end). Buckets of one granularity and zone tile the time
 * line, so {@link #next()} starts exactly where this one ends, across DST changes and years.
 */
public record Bucket(Granularity granularity, ZonedDateTime start, ZonedDateTime end) {

    public Bucket {
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!start.isBefore(end) || !start.getZone().equals(end.getZone())) {
            throw new IllegalArgumentException("a bucket ends after it starts, in the same zone: " + start + " to " + end);
        }
    }

    /**
     * The consecutive buckets of granularity g from the one holding {@code from} up to and
     * including the one holding the instant just before {@code to}; empty when to <= from.
     */
    public static List<Bucket> between(Granularity g, Instant from, Instant to, ZoneId zone) {
        if (!from.isBefore(to)) {
            return List.of();
        }
        List<Bucket> buckets = new ArrayList<>();
        for (Bucket bucket = g.bucketOf(from, zone); bucket.startInstant().isBefore(to); bucket = bucket.next()) {
            buckets.add(bucket);
        }
        return List.copyOf(buckets);
    }

    /** The last {@code count} buckets of g up to and including the one holding {@code now}, oldest first. */
    public static List<Bucket> last(Granularity g, int count, Instant now, ZoneId zone) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        List<Bucket> buckets = new ArrayList<>(count);
        for (Bucket bucket = g.bucketOf(now, zone); buckets.size() < count; bucket = bucket.previous()) {
            buckets.add(bucket);
        }
        Collections.reverse(buckets);
        return List.copyOf(buckets);
    }

    /**
     * The finer buckets covering this one, in order. By WEEK, a month or a year yields every ISO
     * week that overlaps it: the first may start before it and the last may end after it.
     */
    public List<Bucket> breakDown(Granularity finer) {
        Objects.requireNonNull(finer, "finer");
        if (!granularity.canBreakDown(finer)) {
            throw new IllegalArgumentException(
                    "a " + granularity.wireName() + " cannot be broken down by " + finer.wireName());
        }
        return between(finer, startInstant(), endInstant(), start.getZone());
    }

    public Instant startInstant() {
        return start.toInstant();
    }

    public Instant endInstant() {
        return end.toInstant();
    }

    /** Elapsed time, so a DST day is 23 or 25 hours. */
    public Duration length() {
        return Duration.between(startInstant(), endInstant());
    }

    /** start <= instant < end */
    public boolean contains(Instant instant) {
        return !instant.isBefore(startInstant()) && instant.isBefore(endInstant());
    }

    /** The bucket starting at this one's end. */
    public Bucket next() {
        return granularity.bucketOf(endInstant(), start.getZone());
    }

    /** The bucket ending at this one's start. */
    public Bucket previous() {
        return granularity.bucketOf(startInstant().minusNanos(1), start.getZone());
    }

    /**
     * A human label: hour "2026-03-29T01:00+01:00" (with the offset, so the two 02:00 hours of a
     * fall-back night differ), day "2026-03-29", week "2026-W13" (ISO week-based year: 2024-12-30
     * is in "2025-W01"), month "2026-03", year "2026".
     */
    public String label() {
        return switch (granularity) {
            case HOUR -> start.toOffsetDateTime().toString();
            case DAY -> start.toLocalDate().toString();
            case WEEK -> String.format(Locale.ROOT, "%d-W%02d",
                    start.get(IsoFields.WEEK_BASED_YEAR), start.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case MONTH -> YearMonth.from(start).toString();
            case YEAR -> String.valueOf(start.getYear());
        };
    }
}
