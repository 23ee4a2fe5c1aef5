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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Puts one command on {@code tally.commands}, as any producer would; or, with {@code --url}, sends
 * it to a running service's REST API and prints the answer (a sync write's committed transaction).
 */
@Command(name = "produce", description = {"Send a command to Kafka (or with --url to the REST API), e.g.",
        "  tally produce create wallets w1 [balance 10]",
        "  tally produce add wallets w1 balance 100",
        "  tally produce increment counters home stats.clicks",
        "  tally produce sub wallets w1 balance 5 --url http://localhost:8080"})
final class ProduceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SettingsOptions options;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", description = "create, add, sub, set, increment, decrement or delete")
    String op;

    @Parameters(index = "1", description = "the resource, e.g. wallets")
    String resource;

    @Parameters(index = "2", description = "the record id")
    String id;

    @Parameters(index = "3..*", description = "field and amount; for create, field/value pairs")
    List<String> rest = List.of();

    @Option(names = "--tx-id", description = "Transaction id (idempotency key; over --url the Idempotency-Key header); "
            + "the service assigns one when absent.")
    String txId;

    @Option(names = "--mode", description = "With --url: sync (answer with the committed outcome) or async (202 at once); "
            + "default: the resource's consistency.")
    String mode;

    @Override
    public Integer call() throws Exception {
        Op parsedOp = Op.fromWire(op).orElseThrow(() -> usage("unknown op '" + op
                + "'; use create, add, sub, set, increment, decrement or delete"));
        ObjectNode command = Json.MAPPER.createObjectNode().put("op", op).put("resource", resource).put("id", id);
        if (parsedOp == Op.CREATE) {
            if (rest.size() % 2 != 0) {
                throw usage("create takes field/value pairs, e.g. balance 10");
            }
            ObjectNode values = command.putObject("values");
            for (int i = 0; i < rest.size(); i += 2) {
                values.put(rest.get(i), rest.get(i + 1));
            }
        } else if (parsedOp == Op.DELETE) {
            if (!rest.isEmpty()) {
                throw usage("delete takes no field or amount");
            }
        } else {
            boolean amountOptional = parsedOp == Op.INCREMENT || parsedOp == Op.DECREMENT;
            if (rest.isEmpty() || rest.size() > 2 || rest.size() == 1 && !amountOptional) {
                throw usage(op + " takes a field and " + (amountOptional ? "an optional amount" : "an amount"));
            }
            command.put("field", rest.get(0));
            if (rest.size() == 2) {
                command.put("amount", rest.get(1));
            }
        }
        if (api.given()) {
            return overHttp(parsedOp, command);
        }
        if (mode != null) {
            throw usage("--mode needs --url: a command put on Kafka directly is never waited for "
                    + "(its outcome goes to tally.transactions or tally.rejections)");
        }
        if (txId != null) {
            command.put("txId", txId);
        }
        Settings settings = options.load();
        // The cluster's client settings (kafkaPropertiesFile: security, timeouts) apply here as in the service.
        Map<String, Object> config = settings.kafkaClient(options.clientBootstrap(settings));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            String key = RecordKey.of(resource, id);
            RecordMetadata sent = producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, key, command.toString()))
                    .get(40, TimeUnit.SECONDS);
            spec.commandLine().getOut().println("sent " + command + " to " + sent.topic() + "-" + sent.partition() + "@" + sent.offset());
        }
        return 0;
    }

    /**
     * The same command as a REST call: POST /v1/{resource}/{id} with the values (create), DELETE
     * (delete), or POST /v1/{resource}/{id}/{field}/{op} with {"amount": "..."}; amounts go as the
     * strings typed, so the service parses them exactly.
     */
    private int overHttp(Op parsedOp, ObjectNode command) {
        String wireMode = mode == null ? null : mode.toLowerCase(Locale.ROOT);
        if (wireMode != null && !wireMode.equals("sync") && !wireMode.equals("async")) {
            throw usage("--mode must be sync or async, got '" + mode + "'");
        }
        ApiClient client = api.client();
        if (parsedOp == Op.CREATE) {
            return client.print(client.post(ApiClient.Path.v1(resource, id).query("mode", wireMode),
                    command.get("values"), txId));
        }
        if (parsedOp == Op.DELETE) {
            return client.print(client.delete(ApiClient.Path.v1(resource, id).query("mode", wireMode), txId));
        }
        ObjectNode body = command.has("amount") ? Json.MAPPER.createObjectNode().put("amount", command.get("amount").asText())
                : null;
        return client.print(client.post(ApiClient.Path.v1(resource, id, command.get("field").asText(), parsedOp.wireName())
                .query("mode", wireMode), body, txId));
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
