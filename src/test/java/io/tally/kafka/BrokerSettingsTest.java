package io.tally.kafka;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerSettingsTest {
    @Test
    void givesTheBrokerARequestThreadPerCoreUpToKafkasDefaults() {
        assertThat(BrokerSettings.threads(1)).containsEntry("num.io.threads", "2").containsEntry("num.network.threads", "1");
        assertThat(BrokerSettings.threads(2)).containsEntry("num.io.threads", "2").containsEntry("num.network.threads", "1");
        assertThat(BrokerSettings.threads(4)).containsEntry("num.io.threads", "4").containsEntry("num.network.threads", "2");
        assertThat(BrokerSettings.threads(64)).containsEntry("num.io.threads", "8").containsEntry("num.network.threads", "3");
    }

    @Test
    void sizesTheEmbeddedBrokerForTheCoresOfThisJvm() {
        Map<String, String> settings = BrokerSettings.of(Path.of("unused"), 9092, 9093);

        assertThat(settings).containsAllEntriesOf(BrokerSettings.threads(Runtime.getRuntime().availableProcessors()));
    }
}
