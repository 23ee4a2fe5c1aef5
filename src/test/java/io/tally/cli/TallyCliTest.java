package io.tally.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class TallyCliTest {

    @Test
    void theServiceRunsWithNoArgumentsOrWithOnlyItsOptions() {
        assertThat(TallyCli.withVerb()).containsExactly("run");

        CommandLine.ParseResult parsed = TallyCli.commandLine()
                .parseArgs(TallyCli.withVerb("--bootstrap-servers", "kafka-0:9092", "--no-apply-topics"));

        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("run");
        RunCommand run = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertThat(run.options.bootstrapServers).isEqualTo("kafka-0:9092");
        assertThat(run.noApplyTopics).isTrue();
    }

    @Test
    void aVerbOrTheCommandLinesOwnOptionsAreLeftAsGiven() {
        assertThat(TallyCli.withVerb("get", "wallets", "w1")).containsExactly("get", "wallets", "w1");
        assertThat(TallyCli.withVerb("--help")).containsExactly("--help");
        assertThat(TallyCli.withVerb("-V")).containsExactly("-V");

        StringWriter out = new StringWriter();
        int exit = TallyCli.commandLine().setOut(new PrintWriter(out)).execute(TallyCli.withVerb("--help"));

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Usage: tally [-hV] [COMMAND]").contains("bench");
    }

    @Test
    void anOptionNoOneKnowsIsRefusedWithTheServicesNearestOption() {
        StringWriter err = new StringWriter();
        int exit = TallyCli.commandLine().setErr(new PrintWriter(err)).execute(TallyCli.withVerb("--bootstrap", "x:9092"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--bootstrap', 'x:9092'").contains("Possible solutions: --bootstrap-servers");
    }
}
