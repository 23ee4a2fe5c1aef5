package io.tally.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tally} command line; with no verb it runs the service. */
@Command(name = "tally", mixinStandardHelpOptions = true, version = "tally 0.1.0",
        description = "Auditable numeric fields on Apache Kafka.",
        subcommands = {RunCommand.class, TopicsCommand.class, ProduceCommand.class, GetCommand.class, AnalyticsCommand.class, BenchCommand.class,
                VerifyCommand.class, RebuildCommand.class})
public final class TallyCli implements Runnable {

    public static int execute(String... args) {
        String[] verb = args.length == 0 ? new String[] {"run"} : args;
        return new CommandLine(new TallyCli())
                .setExecutionExceptionHandler(new ErrorHandler())
                .execute(verb);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Configuration and Kafka errors are the user's to fix: print the reason, not a stack trace. */
    private static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception error, CommandLine command, CommandLine.ParseResult parsed) {
            StringBuilder reason = new StringBuilder(String.valueOf(error.getMessage()));
            for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
                reason.append(": ").append(cause.getMessage());
            }
            command.getErr().println("tally: " + reason);
            return error instanceof io.tally.config.SettingsException ? 2 : 1;
        }
    }
}
