package io.tally.cli;

import io.tally.config.Settings;
import io.tally.stream.CommandParser;
import io.tally.stream.StreamsProperties;
import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The least a Kafka Streams application can do with Tally's commands, run with Tally's own Streams
 * settings (guarantee, commit interval, threads, producer batching and compression) on the same
 * pre-produced commands. Between the plain consumer's limit and Tally, it tells what Kafka Streams
 * itself costs per command on this machine, and so how much of the gap to the limit any design
 * built on it could close.
 */
final class StreamsFloor {
    /** What the floor application does with each command. */
    enum Shape {
        /** Reads and parses each command and writes one record for it: an audit log and nothing more. */
        PASS_THROUGH("passThrough"),
        /**
         * The same, and reads and writes the command's record in a cached, change-logged key-value
         * store, as the ledger does its records store: the least a ledger does.
         */
        KEYED_STATE("keyedState");

        final String label;

        Shape(String label) {
            this.label = label;
        }

        String sink() {
            return "tally-bench.floor-" + label;
        }

        String applicationId() {
            return "tally-bench-floor-" + label;
        }
    }

    static final String STORE = "floor-records";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private StreamsFloor() {
    }

    /** The floor application's topology; {@code parsed} counts the commands it could read. */
    static Topology topology(Shape shape, int maxCommandBytes, LongAdder parsed) {
        Topology topology = new Topology();
        topology.addSource("commands", new StringDeserializer(), new ByteArrayDeserializer(), TallyTopics.COMMANDS);
        topology.addProcessor("floor", () -> new Floor(new CommandParser(maxCommandBytes), shape == Shape.KEYED_STATE, parsed),
                "commands");
        if (shape == Shape.KEYED_STATE) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                    Serdes.ByteArray()).withCachingEnabled(), "floor");
        }
        topology.addSink("out", shape.sink(), new StringSerializer(), new ByteArraySerializer(), "floor");
        return topology;
    }

    /**
     * Runs the floor application of {@code shape} through all {@code total} commands and returns its
     * timing. {@code bench} gives the Streams settings; the floor keeps its state under {@code work}.
     */
    static GroupRun run(Shape shape, Settings bench, Path work, Admin admin, long total, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(shape.sink(), partitions, (short) bench.replicationFactor()))).all().get();
        Settings floor = BenchSettings.forFloor(bench, shape.applicationId(), work.resolve(shape.applicationId()));
        LongAdder parsed = new LongAdder();
        long start = System.nanoTime();
        GroupRun run;
        KafkaStreams streams = new KafkaStreams(topology(shape, bench.maxCommandBytes(), parsed),
                StreamsProperties.of(floor, bench.bootstrapServers(), null, partitions));
        try {
            streams.start();
            run = GroupRun.await(admin, shape.applicationId(), total, start, new Progress(shape.label, total));
        } finally {
            // Bounded also when the run fails: a stalled floor must not hold the bench forever.
            streams.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        }
        if (parsed.sum() == 0) {
            throw new IllegalStateException("the " + shape.label + " floor parsed none of the commands");
        }
        return run;
    }

    /** Parses each command, touches its record's state if asked to, and writes one record for it. */
    private static final class Floor implements Processor<String, byte[], String, byte[]> {
        private final CommandParser parser;
        private final boolean keyed;
        private final LongAdder parsed;
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> records;

        Floor(CommandParser parser, boolean keyed, LongAdder parsed) {
            this.parser = parser;
            this.keyed = keyed;
            this.parsed = parsed;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            if (keyed) {
                this.records = context.getStateStore(STORE);
            }
        }

        @Override
        public void process(Record<String, byte[]> command) {
            if (parser.parse(command.key(), command.value()).command() != null) {
                parsed.increment();
                if (keyed && command.key() != null) {
                    // The ledger reads the record's state, then writes the state after the command.
                    records.get(command.key());
                    records.put(command.key(), command.value());
                }
            }
            // Every command leaves one record, as every one leaves a transaction or a rejection.
            context.forward(command);
        }
    }
}
