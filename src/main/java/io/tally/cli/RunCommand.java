package io.tally.cli;

import io.tally.Tally;
import io.tally.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "run", description = "Run the service (starts an embedded broker when no cluster is configured).")
final class RunCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Option(names = "--no-apply-topics", description = "Do not create or update the topics on start.")
    boolean noApplyTopics;

    @Override
    public Integer call() throws InterruptedException {
        Settings settings = options.load();
        if (noApplyTopics) {
            settings = settings.withApplyTopics(false);
        }
        Tally tally = Tally.start(settings);
        System.out.println("Tally is running on " + tally.bootstrapServers() + ". Try:");
        System.out.println("  java -jar target/tally.jar produce create wallets w1");
        System.out.println("  java -jar target/tally.jar produce add wallets w1 balance 100");
        System.out.println("  java -jar target/tally.jar get wallets w1");
        if (tally.runUntilShutdown()) {
            System.err.println("tally: Kafka Streams stopped with an error (the log above says why)");
            return 1;
        }
        return 0;
    }
}
