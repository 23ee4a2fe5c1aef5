package io.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tally.config.Settings;
import io.tally.ledger.Op;
import io.tally.ledger.RecordKey;
import io.tally.stream.Json;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Puts one command on {@code tally.commands}, as any producer would. */
@Command(name = "produce", description = {"Send a command to tally.commands, e.g.",
        "  tally produce create wallets w1 [balance 10]",
        "  tally produce add wallets w1 balance 100",
        "  tally produce increment counters home stats.clicks"})
final class ProduceCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Parameters(index = "0", description = "create, add, sub, set, increment, decrement or delete")
    String op;

    @Parameters(index = "1", description = "the resource, e.g. wallets")
    String resource;

    @Parameters(index = "2", description = "the record id")
    String id;

    @Parameters(index = "3..*", description = "field and amount; for create, field/value pairs")
    List<String> rest = List.of();

    @Option(names = "--tx-id", description = "Transaction id (idempotency key); the service assigns one when absent.")
    String txId;

    @Override
    public Integer call() throws Exception {
        Op parsedOp = Op.fromWire(op).orElseThrow(() -> new IllegalArgumentException("unknown op '" + op + "'"));
        ObjectNode command = Json.MAPPER.createObjectNode().put("op", op).put("resource", resource).put("id", id);
        if (parsedOp == Op.CREATE) {
            if (rest.size() % 2 != 0) {
                throw new IllegalArgumentException("create takes field/value pairs, e.g. balance 10");
            }
            ObjectNode values = command.putObject("values");
            for (int i = 0; i < rest.size(); i += 2) {
                values.put(rest.get(i), rest.get(i + 1));
            }
        } else if (parsedOp != Op.DELETE) {
            if (rest.isEmpty() || rest.size() > 2) {
                throw new IllegalArgumentException(op + " takes a field and " + (parsedOp == Op.INCREMENT
                        || parsedOp == Op.DECREMENT ? "an optional amount" : "an amount"));
            }
            command.put("field", rest.get(0));
            if (rest.size() == 2) {
                command.put("amount", rest.get(1));
            }
        }
        if (txId != null) {
            command.put("txId", txId);
        }
        Settings settings = options.load();
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.clientBootstrap(settings),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            String key = RecordKey.of(resource, id);
            RecordMetadata sent = producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, key, command.toString()))
                    .get(40, TimeUnit.SECONDS);
            System.out.println("sent " + command + " to " + sent.topic() + "-" + sent.partition() + "@" + sent.offset());
        }
        return 0;
    }
}
