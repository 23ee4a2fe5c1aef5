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

    /** {@code 2026-11-23T10:00:00Z}, {@code 2026-11-23T10:00} or {@code 2026-11-23} (its start) in {@code zone}. */
    public static Instant parse(String text, ZoneId zone) {
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
