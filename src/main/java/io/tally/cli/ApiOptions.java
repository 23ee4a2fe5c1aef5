package io.tally.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Options of the verbs that can talk to a running service's REST API instead of to Kafka. */
final class ApiOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--url", defaultValue = "${env:TALLY_URL}",
            description = "REST API of a running Tally, e.g. http://localhost:8080 (or TALLY_URL).")
    String url;

    @Option(names = "--token", defaultValue = "${env:TALLY_TOKEN}",
            description = "Bearer token sent as Authorization (or TALLY_TOKEN).")
    String token;

    boolean given() {
        return url != null && !url.isBlank();
    }

    /** A client of the service at {@code --url}; a verb that only works over HTTP calls this without checking. */
    ApiClient client() {
        if (!given()) {
            throw new ParameterException(command.commandLine(), "tally " + command.name()
                    + " reads through the REST API: give --url (or set TALLY_URL)");
        }
        try {
            return new ApiClient(url, token, command.commandLine().getOut(), command.commandLine().getErr());
        } catch (IllegalArgumentException badUrl) {
            throw new ParameterException(command.commandLine(), badUrl.getMessage());
        }
    }
}
