package io.tally;

import io.tally.config.Settings;
import io.tally.config.SettingsLoader;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TallyStartTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aKafkaThatDoesNotAnswerIsNamedInTheReasonTheServiceDidNotStart(boolean applyTopics) throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Path properties = dir.resolve("kafka.properties");
        // Kafka's admin waits a minute by default before it gives up.
        Files.writeString(properties, "default.api.timeout.ms=1500\nrequest.timeout.ms=1000\n");
        Map<String, Object> tree = new HashMap<>();
        tree.put("bootstrapServers", "127.0.0.1:" + closed);
        tree.put("stateDir", dir.resolve("state").toString());
        tree.put("applyTopics", applyTopics);
        tree.put("kafkaPropertiesFile", properties.toString());
        Settings settings = SettingsLoader.fromMap(tree);

        assertThatThrownBy(() -> Tally.start(settings)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka at 127.0.0.1:" + closed + " did not answer in time");
    }
}
