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
            "more after the object | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"} {\"op\":\"delete\"}",
            "garbage after it      | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"} xyz",
            "huge number           | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":1" + "e99999999999999999999999}",
    })
    void refusesMalformedCommandsWithAReason(String name, String json) {
        CommandParser.Result result = parse("wallets/w1", json);
        assertThat(result.command()).isNull();
        assertThat(result.rejection().code()).isEqualTo(RejectionCode.MALFORMED);
        assertThat(result.rejection().message()).isNotBlank();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "empty message              | ``                                                                     | a command is a JSON object, got nothing",
            "a string                   | \"add\"                                                                | a command is a JSON object, got STRING",
            "a broken array             | [1,                                                                    | not valid JSON",
            "unreadable unknown value   | {\"op\":\"create\",\"colour\":1e99999999999}                            | not readable as JSON",
            "unknown property           | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"colour\":[1,{\"a\":2}]} | unknown property 'colour'",
            "broken after unknown       | {\"op\":\"create\",\"colour\":1,\"resource\":                           | not valid JSON",
            "repeated property          | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":1,\"amount\":2} | Duplicate field 'amount'",
            "repeated name in meta      | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":{\"a\":1,\"a\":2}} | Duplicate field 'a'",
            "repeated value of create   | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"values\":{\"balance\":1,\"balance\":2}} | Duplicate field 'balance'",
            "repeated unknown property  | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"colour\":1,\"colour\":2} | Duplicate field 'colour'",
            "repeated name deep in meta | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":{\"x\":[{\"a\":1,\"a\":2}]}} | Duplicate field 'a'",
            "same name at two depths    | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":{\"id\":1},\"op\":\"create\"} | Duplicate field 'op'",
            "boolean amount             | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":true} | amount must be a JSON number or a string holding a decimal, got BOOLEAN",
            "id a number                | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":7}                     | id must be a string, got NUMBER",
            "transfer leg not an object | {\"op\":\"transfer\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":1,\"to\":[]} | transfer needs 'to'",
    })
    void explainsWhatIsWrong(String name, String json, String reason) {
        CommandParser.Result result = parse("wallets/w1", json);
        assertThat(result.command()).isNull();
        assertThat(result.rejection().code()).isEqualTo(RejectionCode.MALFORMED);
        assertThat(result.rejection().message()).contains(reason);
    }

    @Test
    void readsEveryPartOfACommand() {
        Command command = parse("wallets/w1", "{\"meta\":{\"source\":\"till\",\"tags\":[1,2.50]},\"at\":null,"
                + "\"txId\":\"t-1\",\"values\":null,\"amount\":-7,\"field\":\"balance\",\"id\":\"w1\",\"resource\":\"wallets\","
                + "\"op\":\"sub\"}\n").command();
        assertThat(command).isEqualTo(new Command(Op.SUB, "wallets", "w1", "balance", "-7", "t-1", true, null,
                "{\"source\":\"till\",\"tags\":[1,2.50]}", java.util.Map.of()));
        Command transfer = parse("wallets/w1", "{\"op\":\"transfer\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\","
                + "\"amount\":\"5\",\"to\":{\"resource\":\"wallets\",\"id\":\"w2\",\"field\":\"balance\"}}").command();
        assertThat(transfer.transfer()).isEqualTo(new io.tally.ledger.TransferLeg(null, "wallets", "w2", "balance"));
        Command create = parse("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\","
                + "\"values\":{\"balance\":10.0,\"points\":\"3\"}}").command();
        assertThat(create.values()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("balance", "10.0", "points", "3"));
        // A name may recur at another depth, and in sibling objects: only a repeat within one object is refused.
        Command nested = parse("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\","
                + "\"meta\":{\"id\":1,\"op\":{\"op\":2},\"list\":[{\"a\":1},{\"a\":2}]},\"values\":{\"id\":1}}").command();
        assertThat(nested.meta()).isEqualTo("{\"id\":1,\"op\":{\"op\":2},\"list\":[{\"a\":1},{\"a\":2}]}");
    }

    @Test
    void reportsTheFirstOfManyUnknownNamesAndARepeatAmongThem() {
        StringBuilder many = new StringBuilder("{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\"");
        for (int i = 0; i < 5_000; i++) {
            many.append(",\"u").append(i).append("\":1");
        }
        CommandParser big = new CommandParser(1 << 20);
        assertThat(big.parse("wallets/w1", (many + "}").getBytes(StandardCharsets.UTF_8)).rejection().message())
                .startsWith("unknown property 'u0'");
        assertThat(big.parse("wallets/w1", (many + ",\"u4321\":2}").getBytes(StandardCharsets.UTF_8)).rejection().message())
                .contains("Duplicate field 'u4321'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "NaN            | {\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":NaN} | Non-standard token 'NaN'",
            "too deep       | {\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":" + "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]} | exceeds the maximum allowed",
    })
    void saysWhyTextIsNotJsonWithoutJacksonsSettingNames(String name, String json, String reason) {
        String message = parse("wallets/w1", json).rejection().message();
        assertThat(message).startsWith("not valid JSON: ").doesNotContain("`").doesNotContain("StreamReadConstraints")
                .doesNotContain("JsonReadFeature");
        assertThat(message).contains(reason);
    }

    @Test
    void refusesDeeplyNestedMeta() {
        String meta = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        CommandParser.Result result = parse("wallets/w1", "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w1\",\"meta\":"
                + meta + "}");
        assertThat(result.rejection().code()).isEqualTo(RejectionCode.MALFORMED);
    }
}
