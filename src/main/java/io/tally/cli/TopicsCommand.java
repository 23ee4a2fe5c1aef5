package io.tally.cli;

import io.tally.Tally;
import io.tally.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "topics", description = "Manage Tally's topics.", subcommands = TopicsCommand.Apply.class)
final class TopicsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "apply", description = "Create or update the topics declared in topics/ (idempotent).")
    static final class Apply implements Callable<Integer> {
        @Mixin
        SettingsOptions options;

        @Override
        public Integer call() {
            Settings settings = options.load();
            System.out.println(Tally.applyTopics(settings, options.clientBootstrap(settings)));
            return 0;
        }
    }
}
