package io.tally.cli;

import io.tally.audit.Verifier;
import io.tally.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "verify", description = {
        "Replay the audit log (tally.transactions) through the ledger and compare it with the published records "
                + "(tally.records) and the committed analytics.",
        "Run it while no commands flow. Exit code 0: no difference; 1: differences (listed); 2: bad configuration."})
final class VerifyCommand implements Callable<Integer> {
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
        Verifier.Report report = new Verifier(settings, options.clientBootstrap(settings), timeout).verify(progress::count);
        progress.finish();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("transactions  %,d%nrecords       %,d%nanalytics     %,d partial aggregates%n", report.transactions(),
                report.records(), report.analyticsEntries());
        report.fieldTotals().forEach((field, total) -> out.printf("total         %s = %s%n", field, total.toPlainString()));
        if (report.clean()) {
            out.println("no difference: every record and every analytics partial equals the replay of the audit log");
            return 0;
        }
        out.printf("%,d difference(s)%s:%n", report.differenceCount(),
                report.differenceCount() > report.differences().size() ? " (first " + report.differences().size() + ")" : "");
        report.differences().forEach(difference -> out.println("  " + difference));
        return 1;
    }
}
