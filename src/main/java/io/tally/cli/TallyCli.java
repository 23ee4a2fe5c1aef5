package io.tally.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

import java.util.Set;

/** The {@code tally} command line; with no verb (nothing, or only the service's options) it runs the service. */
@Command(name = "tally", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "tally 0.1.0",
        description = "Auditable numeric fields on Apache Kafka.",
        subcommands = {RunCommand.class, TopicsCommand.class, ProduceCommand.class, GetCommand.class, ListCommand.class,
                HistoryCommand.class, AnalyticsCommand.class, BenchCommand.class, LoadCommand.class, VerifyCommand.class,
                RebuildCommand.class})
public final class TallyCli implements Runnable {

    private static final Set<String> OWN_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    public static int execute(String... args) {
        return commandLine().execute(withVerb(args));
    }

    /**
     * The arguments with {@code run} in front when they name no verb: nothing at all, or options
     * ({@code tally --bootstrap-servers host:9092}) other than the command line's own help and version.
     */
    static String[] withVerb(String... args) {
        if (args.length > 0 && (!args[0].startsWith("-") || OWN_OPTIONS.contains(args[0]))) {
            return args;
        }
        String[] run = new String[args.length + 1];
        run[0] = "run";
        System.arraycopy(args, 0, run, 1, args.length);
        return run;
    }

    /** The configured command line: what {@link #execute} runs, for callers that set its output streams. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TallyCli()).setExecutionExceptionHandler(new ErrorHandler());
        // Every verb that can talk to the REST API says in its --help what its exit code means.
        for (CommandLine verb : cli.getSubcommands().values()) {
            if (verb.getCommandSpec().findOption("--url") != null && verb.getCommandSpec().usageMessage().exitCodeList().isEmpty()) {
                verb.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes with --url:%n")
                        .exitCodeList(ApiClient.ExitCodes.described());
            }
        }
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Configuration and Kafka errors are the user's to fix: print the reason, not a stack trace. */
    private static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception error, CommandLine command, CommandLine.ParseResult parsed) {
            if (error instanceof ApiClient.UnreachableException) {
                command.getErr().println("tally: " + error.getMessage());
                return ApiClient.ExitCodes.UNAVAILABLE;
            }
            StringBuilder reason = new StringBuilder(String.valueOf(error.getMessage()));
            for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
                reason.append(": ").append(cause.getMessage());
            }
            command.getErr().println("tally: " + reason);
            return error instanceof io.tally.config.SettingsException ? 2 : 1;
        }
    }
}
