package io.tally.http;

import io.javalin.http.Context;
import io.tally.analytics.AnalyticsQueries;
import io.tally.analytics.AnalyticsQueries.Row;
import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.analytics.Bucket;
import io.tally.analytics.Granularity;
import io.tally.analytics.Instants;
import io.tally.analytics.Metrics;
import io.tally.config.Settings;
import io.tally.ledger.Op;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/analytics/{resource}/{field}}: {@code period} with {@code last=N}, or
 * {@code within=2025-10-09|2025-W42|2025-10|2025} (that period broken down by {@code period}), or
 * {@code from=&to=}; optional {@code id}, {@code breakdown=operations}, {@code fillGaps}. And
 * {@code .../top?period=&at=&by=count|sum&limit=}. Amounts are decimal strings.
 */
final class AnalyticsHandler {
    private static final Pattern WEEK = Pattern.compile("(\\d{4})-W(\\d{2})");

    private final AnalyticsQueries queries;
    private final Settings settings;

    AnalyticsHandler(AnalyticsQueries queries, Settings settings) {
        this.queries = queries;
        this.settings = settings;
    }

    void rows(Context ctx) {
        String resource = ctx.pathParam("resource");
        String field = ctx.pathParam("field");
        Granularity period = granularity(required(ctx, "period"));
        String id = ctx.queryParam("id");
        Subject subject = id == null ? Subject.resource(resource, field) : Subject.record(resource, field, id);
        boolean fillGaps = bool(ctx, "fillGaps", true);
        boolean byOperation = "operations".equals(ctx.queryParam("breakdown"));
        if (ctx.queryParam("breakdown") != null && !byOperation) {
            throw ApiError.badRequest("breakdown can only be 'operations'");
        }
        ZoneId zone = settings.analytics().zoneOf(resource);
        List<Row> rows = query(ctx, subject, period, zone, fillGaps);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("resource", resource);
        body.put("field", field);
        if (id != null) {
            body.put("id", id);
        }
        body.put("period", period.wireName());
        body.put("zone", zone.getId());
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            out.add(row(row.bucket(), row.metrics(), byOperation));
        }
        body.put("rows", out);
        ctx.json(body);
    }

    private List<Row> query(Context ctx, Subject subject, Granularity period, ZoneId zone, boolean fillGaps) {
        String last = ctx.queryParam("last");
        String within = ctx.queryParam("within");
        String from = ctx.queryParam("from");
        String to = ctx.queryParam("to");
        int shapes = (last != null ? 1 : 0) + (within != null ? 1 : 0) + (from != null || to != null ? 1 : 0);
        if (shapes != 1) {
            throw ApiError.badRequest("give exactly one of last=N, within=PERIOD or from=&to=");
        }
        try {
            if (last != null) {
                return queries.last(subject, period, integer("last", last), Instant.now(), fillGaps);
            }
            if (within != null) {
                Bucket container = within(within, zone);
                return queries.breakDown(subject, container.granularity(), container.startInstant(), period, fillGaps);
            }
            if (from == null || to == null) {
                throw ApiError.badRequest("from and to go together");
            }
            return queries.range(subject, period, instant("from", from, zone), instant("to", to, zone), fillGaps);
        } catch (IllegalArgumentException e) {
            throw error(e);
        }
    }

    void top(Context ctx) {
        String resource = ctx.pathParam("resource");
        String field = ctx.pathParam("field");
        Granularity period = granularity(required(ctx, "period"));
        ZoneId zone = settings.analytics().zoneOf(resource);
        String at = ctx.queryParam("at");
        String limit = ctx.queryParam("limit");
        List<AnalyticsQueries.Ranked> ranked;
        try {
            ranked = queries.top(resource, field, period, at == null ? Instant.now() : instant("at", at, zone),
                    limit == null ? 10 : integer("limit", limit), AnalyticsQueries.RankBy.parse(
                            ctx.queryParam("by") == null ? "count" : ctx.queryParam("by")));
        } catch (IllegalArgumentException e) {
            throw error(e);
        }
        Bucket bucket = period.bucketOf(at == null ? Instant.now() : instant("at", at, zone), zone);
        List<Map<String, Object>> out = new ArrayList<>();
        for (AnalyticsQueries.Ranked entry : ranked) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", entry.id());
            row.putAll(row(bucket, entry.metrics(), false));
            row.remove("bucket");
            row.remove("start");
            row.remove("end");
            out.add(row);
        }
        ctx.json(Map.of("resource", resource, "field", field, "period", period.wireName(), "bucket", bucket.label(),
                "records", out));
    }

    private static Map<String, Object> row(Bucket bucket, Metrics metrics, boolean byOperation) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("bucket", bucket.label());
        row.put("start", bucket.start().toOffsetDateTime().toString());
        row.put("end", bucket.end().toOffsetDateTime().toString());
        row.put("count", metrics.count());
        row.put("sum", plain(metrics.sum()));
        row.put("avg", plain(metrics.average()));
        row.put("min", plain(metrics.min()));
        row.put("max", plain(metrics.max()));
        row.put("records", metrics.records());
        if (byOperation) {
            Map<String, Object> ops = new LinkedHashMap<>();
            for (Map.Entry<Op, Metrics.OpTotal> op : metrics.byOp().entrySet()) {
                ops.put(op.getKey().wireName(), Map.of("count", op.getValue().count(), "sum", plain(op.getValue().sum())));
            }
            row.put("operations", ops);
        }
        return row;
    }

    private static String plain(BigDecimal value) {
        return value == null ? null : value.toPlainString();
    }

    /** {@code 2025}, {@code 2025-10}, {@code 2025-W42} or {@code 2025-10-09}: that calendar period in the zone. */
    static Bucket within(String text, ZoneId zone) {
        try {
            if (text.matches("\\d{4}")) {
                return Granularity.YEAR.bucketOf(LocalDate.of(Integer.parseInt(text), 1, 1).atStartOfDay(zone).toInstant(), zone);
            }
            if (text.matches("\\d{4}-\\d{2}")) {
                return Granularity.MONTH.bucketOf(YearMonth.parse(text).atDay(1).atStartOfDay(zone).toInstant(), zone);
            }
            Matcher week = WEEK.matcher(text);
            if (week.matches()) {
                LocalDate monday = LocalDate.of(Integer.parseInt(week.group(1)), 6, 1)
                        .with(IsoFields.WEEK_BASED_YEAR, Integer.parseInt(week.group(1)))
                        .with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, Integer.parseInt(week.group(2)))
                        .with(java.time.DayOfWeek.MONDAY);
                Bucket bucket = Granularity.WEEK.bucketOf(monday.atStartOfDay(zone).toInstant(), zone);
                if (!bucket.label().equals(text)) {
                    throw ApiError.badRequest("within: there is no ISO week " + text);
                }
                return bucket;
            }
            if (text.matches("\\d{4}-\\d{2}-\\d{2}")) {
                return Granularity.DAY.bucketOf(LocalDate.parse(text).atStartOfDay(zone).toInstant(), zone);
            }
        } catch (java.time.DateTimeException e) {
            throw ApiError.badRequest("within: there is no calendar period '" + text + "'");
        }
        throw ApiError.badRequest("within takes 2025, 2025-10, 2025-W42 or 2025-10-09, got '" + text + "'");
    }

    static Instant instant(String name, String text, ZoneId zone) {
        try {
            return Instants.parse(text, zone);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(name + ": " + e.getMessage());
        }
    }

    private static Granularity granularity(String text) {
        try {
            return Granularity.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("period: " + e.getMessage());
        }
    }

    private static String required(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            throw ApiError.badRequest(name + " is required");
        }
        return value;
    }

    private static int integer(String name, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(name + " must be a whole number, got '" + text + "'");
        }
    }

    private static boolean bool(Context ctx, String name, boolean otherwise) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return otherwise;
        }
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiError.badRequest(name + " must be true or false, got '" + value + "'");
        };
    }

    /** Unknown resources and fields are 404s; every other refused question is a 400. */
    private static ApiError error(IllegalArgumentException e) {
        if (e instanceof AnalyticsQueries.NotFound notFound) {
            return new ApiError(404, notFound.code(), notFound.getMessage());
        }
        return ApiError.badRequest(e.getMessage());
    }
}
