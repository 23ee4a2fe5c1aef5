package io.tally.analytics;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/** Times as people write them in queries: an instant with an offset, or a date or date-time in the resource's zone. */
public final class Instants {
    private Instants() {
    }

    /**
     * The earliest and latest times a query may name, the years 0001 to 9999 in any zone (18 hours
     * either side of UTC's): calendar arithmetic on its buckets stays in range.
     */
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z").minusSeconds(18 * 3600);
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z").plusSeconds(18 * 3600);

    /**
     * {@code 2026-11-23T10:00:00Z}, {@code 2026-11-23T10:00} or {@code 2026-11-23} (its start) in
     * {@code zone}, in the years 0001 to 9999.
     */
    public static Instant parse(String text, ZoneId zone) {
        Instant instant = parseAny(text, zone);
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw new IllegalArgumentException("'" + text + "' is outside the years 0001 to 9999");
        }
        return instant;
    }

    private static Instant parseAny(String text, ZoneId zone) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(text).atZone(zone).toInstant();
            } catch (DateTimeParseException notLocal) {
                try {
                    return LocalDate.parse(text).atStartOfDay(zone).toInstant();
                } catch (DateTimeParseException notDate) {
                    throw new IllegalArgumentException("not a time: '" + text
                            + "' (use 2026-11-23, 2026-11-23T10:00 or 2026-11-23T10:00:00Z)");
                }
            }
        }
    }
}
