package io.tally.cli;

import io.tally.config.Settings;
import io.tally.config.SettingsLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Options every verb shares: where the configuration is and which cluster to use. */
final class SettingsOptions {
    @Option(names = "--config", description = "Configuration file (default: tally.yaml if present, or TALLY_CONFIG).")
    Path config;

    @Option(names = "--bootstrap-servers", description = "Kafka cluster to use instead of the embedded broker.")
    String bootstrapServers;

    Settings load() {
        Map<String, String> overrides = new HashMap<>();
        if (bootstrapServers != null) {
            overrides.put("bootstrapServers", bootstrapServers);
        }
        return SettingsLoader.load(config, System.getenv(), overrides);
    }

    /** The cluster a client verb talks to: the configured one, or the embedded broker of a running {@code tally}. */
    String clientBootstrap(Settings settings) {
        return settings.embedded() ? "127.0.0.1:" + settings.embeddedPort() : settings.bootstrapServers();
    }
}
