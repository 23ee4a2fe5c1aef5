package io.tally.cli;

import io.tally.audit.Rebuilder;
import io.tally.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "rebuild", description = {
        "Rebuild the records, their history and the analytics from the audit log (tally.transactions), without "
                + "touching the log: after a fix to how they are derived, or to repair state.",
        "Stop every instance first; they restore the rebuilt state when they start. Then run tally verify."})
final class RebuildCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Option(names = "--timeout", description = "How long to wait for Kafka metadata (default: ${DEFAULT-VALUE}).",
            defaultValue = "PT30S")
    Duration timeout;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Settings settings = options.load();
        Progress progress = new Progress("replay", 0);
        Rebuilder.Report report = new Rebuilder(settings, options.clientBootstrap(settings), timeout).rebuild(progress::count);
        progress.finish();
        spec.commandLine().getOut().printf("rebuilt %,d records and %,d analytics partials from %,d transactions; "
                + "%,d stale entries dropped%n", report.records(), report.analyticsEntries(), report.transactions(),
                report.tombstones());
        return 0;
    }
}
