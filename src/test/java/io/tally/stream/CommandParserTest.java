package io.tally.stream;

import io.tally.ledger.Command;
import io.tally.ledger.Op;
import io.tally.ledger.RejectionCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class CommandParserTest {
    private final CommandParser parser = new CommandParser(65536);

    private CommandParser.Result parse(String key, String json) {
        return parser.parse(key, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsThePublishedExampleCommand() throws Exception {
        byte[] example = Files.readAllBytes(Path.of("topics/command.example.json"));
        Command command = parser.parse("wallets/w1", example).command();
        assertThat(command.op()).isEqualTo(Op.ADD);
        assertThat(command.amount()).isEqualTo("12.50");
        assertThat(command.txId()).isEqualTo("order-2025-10-09-0017");
        assertThat(command.clientTxId()).isTrue();
        assertThat(command.at()).isEqualTo(Instant.parse("2025-10-09T14:30:00Z"));
        assertThat(command.meta()).isEqualTo("{\"source\":\"checkout\",\"user\":\"u-42\"}");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
            "0.1                       | 0.1",
            "12.50                     | 12.50",
            "1e2                       | 1E+2",
            "123456789012345678901234567890.123 | 123456789012345678901234567890.123",
            "\"0.30\"                  | 0.30",
    })
    void keepsAmountsExact(String amount, String text) {
        Command command = parse("wallets/w1", "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\","
                + "\"amount\":" + amount + "}").command();
        assertThat(command.amount()).isEqualTo(text);
    }

    @Test
    void acceptsUnicodeIdsAndOffsetTimes() {
        CommandParser.Result result = parse("wallets/carteira-ção-🙂", "{\"op\":\"increment\",\"resource\":\"wallets\","
                + "\"id\":\"carteira-ção-🙂\",\"field\":\"balance\",\"at\":\"2025-10-09T16:30:00+02:00\"}");
        assertThat(result.rejection()).isNull();
        assertThat(result.command().at()).isEqualTo(Instant.parse("2025-10-09T14:30:00Z"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "array                 | []",
            "number                | 42",
            "missing op            | {\"resource\":\"wallets\",\"id\":\"w1\"}",
            "op not a string       | {\"op\":1,\"resource\":\"wallets\",\"id\":\"w1\"}",
            "unknown op            | {\"op\":\"steal\",\"resource\":\"wallets\",\"id\":\"w1\"}",
            "bad resource name     | {\"op\":\"create\",\"resource\":\"Wallets\",\"id\":\"w1\"}",
            "slash in id           | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"a/b\"}",
            "empty id              | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"\"}",
            "add without field     | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"amount\":1}",
            "create with field     | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\"}",
            "delete with amount    | {\"op\":\"delete\",\"resource\":\"wallets\",\"id\":\"w1\",\"amount\":1}",
            "amount an object      | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":{}}",
            "values on add         | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":1,\"values\":{}}",
            "bad txId              | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"txId\":\"a b|c\"}",
            "at without offset     | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"at\":\"2025-10-09T14:30:00\"}",
            "meta not an object    | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":\"x\"}",
            "huge number           | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":1" + "e99999999999999999999999}",
    })
    void refusesMalformedCommandsWithAReason(String name, String json) {
        CommandParser.Result result = parse("wallets/w1", json);
        assertThat(result.command()).isNull();
        assertThat(result.rejection().code()).isEqualTo(RejectionCode.MALFORMED);
        assertThat(result.rejection().message()).isNotBlank();
    }

    @Test
    void refusesDeeplyNestedMeta() {
        String meta = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        CommandParser.Result result = parse("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":"
                + meta + "}");
        assertThat(result.rejection().code()).isEqualTo(RejectionCode.MALFORMED);
    }
}
