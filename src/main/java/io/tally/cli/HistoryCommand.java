package io.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.stream.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A field's audit history from the REST API:
 * {@code GET /v1/{resource}/{id}/{field}/transactions?from=&to=&limit=&cursor=}, one page, or with
 * {@code --all} every page, following {@code next} until it is null.
 */
@Command(name = "history", description = {"Print the transactions of a record's field (needs --url), e.g.",
        "  tally history wallets w1 balance --from 2026-11-01 --to 2026-11-02 --url http://localhost:8080",
        "  tally history wallets w1 balance --all --url http://localhost:8080",
        "The answer is {\"transactions\": [...], \"next\": CURSOR or null}."})
final class HistoryCommand implements Callable<Integer> {
    @Mixin
    ApiOptions api;

    @Parameters(index = "0", description = "the resource")
    String resource;

    @Parameters(index = "1", description = "the record id")
    String id;

    @Parameters(index = "2", description = "the field, e.g. balance")
    String field;

    @Option(names = "--from", description = "transactions at or after this time: an instant, a date or a date-time")
    String from;

    @Option(names = "--to", description = "transactions before this time")
    String to;

    @Option(names = "--limit", description = "transactions per page (default: the service's)")
    Integer limit;

    @Option(names = "--cursor", description = "where the previous page ended (its next)")
    String cursor;

    @Option(names = "--all", description = "follow next until the last page; prints one {\"transactions\": [...], \"next\": null}")
    boolean all;

    @Override
    public Integer call() throws Exception {
        ApiClient client = api.client();
        if (!all) {
            return client.print(client.get(page(cursor)));
        }
        return printAll(client, api.command.commandLine().getOut(), api.command.commandLine().getErr());
    }

    private ApiClient.Path page(String after) {
        return ApiClient.Path.v1(resource, id, field, "transactions")
                .query("from", from).query("to", to).query("limit", limit).query("cursor", after);
    }

    /**
     * Streams every page's transactions into one document as they arrive, so a long history never
     * sits in memory. If a page fails, the document is left unclosed: a truncated history must not
     * parse as a complete one.
     */
    private int printAll(ApiClient client, PrintWriter out, PrintWriter err) throws Exception {
        out.print("{\"transactions\":[");
        boolean first = true;
        String after = cursor;
        while (true) {
            HttpResponse<String> response = client.get(page(after));
            if (response.statusCode() / 100 != 2) {
                out.println();
                out.flush();
                return client.print(response);
            }
            JsonNode body = ApiClient.parse(response.body());
            if (body == null || !body.path("transactions").isArray()) {
                out.println();
                out.flush();
                err.println("tally: the service's history page is not {\"transactions\": [...], \"next\": ...}: "
                        + response.body());
                err.flush();
                return ApiClient.ExitCodes.UNAVAILABLE;
            }
            for (JsonNode transaction : body.get("transactions")) {
                out.print(first ? "" : ",");
                out.print(Json.MAPPER.writeValueAsString(transaction));
                first = false;
            }
            JsonNode next = body.path("next");
            String nextCursor = next.isNull() || next.isMissingNode() || next.asText().isEmpty() ? null : next.asText();
            if (nextCursor == null) {
                out.println("],\"next\":null}");
                out.flush();
                return ApiClient.ExitCodes.DONE;
            }
            if (Objects.equals(nextCursor, after)) {
                out.println();
                out.flush();
                err.println("tally: the service answered the same cursor again (" + nextCursor + "); stopping");
                err.flush();
                return ApiClient.ExitCodes.UNAVAILABLE;
            }
            after = nextCursor;
        }
    }
}
