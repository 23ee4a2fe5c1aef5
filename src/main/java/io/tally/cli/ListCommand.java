package io.tally.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** One page of a resource's record ids from the REST API: {@code GET /v1/{resource}?prefix=&limit=&cursor=}. */
@Command(name = "list", description = {"Print a page of a resource's record ids (needs --url), e.g.",
        "  tally list wallets --prefix w1 --limit 100 --url http://localhost:8080",
        "The answer is {\"ids\": [...], \"next\": CURSOR or null}; pass next as --cursor for the following page."})
final class ListCommand implements Callable<Integer> {
    @Mixin
    ApiOptions api;

    @Parameters(index = "0", description = "the resource, e.g. wallets")
    String resource;

    @Option(names = "--prefix", description = "only ids starting with this")
    String prefix;

    @Option(names = "--limit", description = "at most this many ids (default: the service's)")
    Integer limit;

    @Option(names = "--cursor", description = "where the previous page ended (its next)")
    String cursor;

    @Override
    public Integer call() {
        ApiClient client = api.client();
        return client.print(client.get(ApiClient.Path.v1(resource)
                .query("prefix", prefix).query("limit", limit).query("cursor", cursor)));
    }
}
