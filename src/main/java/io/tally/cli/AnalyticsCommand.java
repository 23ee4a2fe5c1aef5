package io.tally.cli;

import io.tally.analytics.AnalyticsQueries;
import io.tally.analytics.AnalyticsQueries.RankBy;
import io.tally.analytics.AnalyticsQueries.Row;
import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.analytics.Granularity;
import io.tally.analytics.Instants;
import io.tally.analytics.Metrics;
import io.tally.config.Settings;
import io.tally.ledger.Op;
import io.tally.stream.ChangelogPartials;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Prints calendar analytics of a field, from the committed partials of a running Tally (read from
 * the analytics changelog), e.g. {@code tally analytics wallets balance --last 7 --period day};
 * with {@code --url}, the same question asked of the REST API, whose JSON answer is printed.
 */
@Command(name = "analytics", description = {
        "Print calendar analytics of a field, e.g.",
        "  tally analytics wallets balance --last 7 --period day",
        "  tally analytics wallets balance --period month --at 2026-11-01 --by day",
        "  tally analytics wallets balance --period hour --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z",
        "  tally analytics wallets balance --period day --top 10 --rank-by sum",
        "  tally analytics wallets balance --period day --last 7 --url http://localhost:8080"})
final class AnalyticsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SettingsOptions options;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", description = "the resource")
    String resource;

    @Parameters(index = "1", description = "the field, e.g. balance or stats.clicks")
    String field;

    @Option(names = "--period", required = true, description = "hour, day, week, month or year")
    String period;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Shape shape;

    static final class Shape {
        @Option(names = "--last", description = "the last N periods up to now")
        Integer last;

        @Option(names = "--by", description = "break the period holding --at down by this finer granularity")
        String by;

        @Option(names = "--from", description = "start of a range (with --to): an instant, a date or a date-time")
        String from;

        @Option(names = "--top", description = "the N records with the highest count or sum in the period holding --at")
        Integer top;
    }

    @Option(names = "--to", description = "end of a --from range (exclusive)")
    String to;

    @Option(names = "--at", description = "an instant, date or date-time in the period (default: now)")
    String at;

    @Option(names = "--id", description = "one record instead of the whole resource")
    String id;

    @Option(names = "--rank-by", defaultValue = "count", description = "count or sum, for --top (default ${DEFAULT-VALUE})")
    String rankBy;

    @Option(names = "--by-op", description = "also show count and sum per operation")
    boolean byOp;

    @Option(names = "--no-gaps", description = "leave out periods without changes")
    boolean noGaps;

    @Override
    public Integer call() {
        if (api.given()) {
            return overHttp(api.client());
        }
        Settings settings = options.load();
        Granularity granularity = Granularity.parse(period);
        ZoneId zone = settings.analytics().zoneOf(resource);
        AnalyticsQueries queries = new AnalyticsQueries(ChangelogPartials.read(options.clientBootstrap(settings),
                settings.applicationId(), Duration.ofSeconds(30)), settings.resources(), settings.analytics());
        Instant when = at == null ? Instant.now() : Instants.parse(at, zone);
        Subject subject = id == null ? Subject.resource(resource, field) : Subject.record(resource, field, id);
        boolean fillGaps = !noGaps;
        if (shape != null && shape.top != null) {
            List<AnalyticsQueries.Ranked> ranked = queries.top(resource, field, granularity, when, shape.top,
                    RankBy.parse(rankBy));
            System.out.printf("%-24s %10s %20s%n", "id", "count", "sum");
            ranked.forEach(r -> System.out.printf("%-24s %10d %20s%n", r.id(), r.metrics().count(), plain(r.metrics().sum())));
            return 0;
        }
        List<Row> rows;
        if (shape != null && shape.from != null) {
            if (to == null) {
                throw new IllegalArgumentException("--from needs --to");
            }
            rows = queries.range(subject, granularity, Instants.parse(shape.from, zone), Instants.parse(to, zone), fillGaps);
        } else if (shape != null && shape.by != null) {
            rows = queries.breakDown(subject, granularity, when, Granularity.parse(shape.by), fillGaps);
        } else {
            rows = queries.last(subject, granularity, shape != null && shape.last != null ? shape.last : 1, when, fillGaps);
        }
        print(rows);
        return 0;
    }

    /**
     * The options as query parameters of GET /v1/analytics/{resource}/{field}[/top]. The REST API
     * names a period to break down by its label (within=2026-11), which depends on the resource's
     * calendar zone: that is the service's setting, so it is asked for rather than read locally.
     */
    private int overHttp(ApiClient client) {
        Granularity granularity;
        try {
            granularity = Granularity.parse(period);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--period: " + e.getMessage());
        }
        if (shape != null && shape.top != null) {
            return client.print(client.get(ApiClient.Path.v1("analytics", resource, field, "top")
                    .query("period", granularity.wireName()).query("at", at).query("by", rankBy).query("limit", shape.top)));
        }
        ApiClient.Path path = ApiClient.Path.v1("analytics", resource, field);
        if (shape != null && shape.from != null) {
            if (to == null) {
                throw new ParameterException(spec.commandLine(), "--from needs --to");
            }
            path.query("period", granularity.wireName()).query("from", shape.from).query("to", to);
        } else if (shape != null && shape.by != null) {
            Granularity finer;
            try {
                finer = Granularity.parse(shape.by);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--by: " + e.getMessage());
            }
            if (granularity == Granularity.HOUR) {
                throw new ParameterException(spec.commandLine(), "--by needs a --period of day, week, month or year");
            }
            HttpResponse<String> probe = client.get(ApiClient.Path.v1("analytics", resource, field)
                    .query("period", granularity.wireName()).query("last", 1).query("fillGaps", false));
            if (probe.statusCode() != 200) {
                return client.print(probe);
            }
            ZoneId zone = ZoneId.of(ApiClient.parse(probe.body()).path("zone").asText("UTC"));
            Instant when;
            try {
                when = at == null ? Instant.now() : Instants.parse(at, zone);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--at: " + e.getMessage());
            }
            path.query("period", finer.wireName()).query("within", granularity.bucketOf(when, zone).label());
        } else {
            if (at != null) {
                throw new ParameterException(spec.commandLine(), "--last counts back from now over --url; "
                        + "use --from and --to for other periods");
            }
            path.query("period", granularity.wireName()).query("last", shape != null && shape.last != null ? shape.last : 1);
        }
        path.query("id", id).query("breakdown", byOp ? "operations" : null).query("fillGaps", noGaps ? false : null);
        return client.print(client.get(path));
    }

    private void print(List<Row> rows) {
        StringBuilder header = new StringBuilder(String.format("%-26s %8s %16s %16s %14s %14s %8s",
                "period", "count", "sum", "avg", "min", "max", "records"));
        if (byOp) {
            for (Op op : Op.values()) {
                header.append(String.format(" %18s", op.wireName()));
            }
        }
        System.out.println(header);
        for (Row row : rows) {
            Metrics m = row.metrics();
            StringBuilder line = new StringBuilder(String.format("%-26s %8d %16s %16s %14s %14s %8d", row.bucket().label(),
                    m.count(), plain(m.sum()), plain(m.average()), plain(m.min()), plain(m.max()), m.records()));
            if (byOp) {
                for (Op op : Op.values()) {
                    Metrics.OpTotal total = m.byOp().get(op);
                    line.append(String.format(" %18s", total == null ? "-" : total.count() + "/" + plain(total.sum())));
                }
            }
            System.out.println(line);
        }
    }

    private static String plain(BigDecimal value) {
        return value == null ? "-" : value.toPlainString();
    }
}
