package io.tally.cli;

import io.tally.stream.TallyTopics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsFloorTest {
    private static final String WALLET = "{\"op\":\"add\",\"resource\":\"wallets\",\"id\":\"w1\",\"field\":\"balance\",\"amount\":\"5\"}";

    @Test
    void passThroughWritesOneRecordPerCommandAndParsesEach() {
        LongAdder parsed = new LongAdder();
        try (TopologyTestDriver driver = driver(StreamsFloor.Shape.PASS_THROUGH, parsed)) {
            input(driver).pipeInput("wallets/w1", bytes(WALLET));
            input(driver).pipeInput("wallets/w1", bytes("not json"));

            assertThat(output(driver, StreamsFloor.Shape.PASS_THROUGH).readKeyValuesToList()).hasSize(2);
            assertThat(parsed.sum()).isEqualTo(1);
            assertThat(driver.getAllStateStores()).isEmpty();
        }
    }

    @Test
    void keyedStateKeepsEachParsedCommandUnderItsRecordAndStillWritesOnePerCommand() {
        LongAdder parsed = new LongAdder();
        try (TopologyTestDriver driver = driver(StreamsFloor.Shape.KEYED_STATE, parsed)) {
            input(driver).pipeInput("wallets/w1", bytes(WALLET));
            input(driver).pipeInput("wallets/w2", bytes("not json"));

            assertThat(output(driver, StreamsFloor.Shape.KEYED_STATE).readKeyValuesToList()).hasSize(2);
            KeyValueStore<String, byte[]> records = driver.getKeyValueStore(StreamsFloor.STORE);
            assertThat(records.get("wallets/w1")).isEqualTo(bytes(WALLET));
            assertThat(records.get("wallets/w2")).isNull();
            assertThat(parsed.sum()).isEqualTo(1);
        }
    }

    private static TopologyTestDriver driver(StreamsFloor.Shape shape, LongAdder parsed) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, shape.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        return new TopologyTestDriver(StreamsFloor.topology(shape, 64 * 1024, parsed), props);
    }

    private static TestInputTopic<String, byte[]> input(TopologyTestDriver driver) {
        return driver.createInputTopic(TallyTopics.COMMANDS, new StringSerializer(), new ByteArraySerializer());
    }

    private static TestOutputTopic<String, byte[]> output(TopologyTestDriver driver, StreamsFloor.Shape shape) {
        return driver.createOutputTopic(shape.sink(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
