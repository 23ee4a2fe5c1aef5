package io.tally.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads {@code topics/}: the one source of truth for Tally's topics, used by {@code tally topics
 * apply}, by the service on start, and by the Helm chart.
 */
public final class TopicDeclarations {
    /** A jar cannot list a directory reliably, so the classpath copy is read by these names. */
    public static final List<String> NAMES = List.of("tally.commands", "tally.transactions", "tally.rejections",
            "tally.records");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private TopicDeclarations() {
    }

    public static List<TopicDeclaration> fromClasspath() {
        List<TopicDeclaration> topics = new ArrayList<>();
        for (String name : NAMES) {
            String resource = "/topics/" + name + ".yaml";
            try (InputStream in = TopicDeclarations.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is missing from the classpath");
                }
                topics.add(parse(resource, YAML.readTree(in)));
            } catch (IOException e) {
                throw new IllegalArgumentException(resource + ": not valid YAML: " + e.getMessage(), e);
            }
        }
        return topics;
    }

    public static List<TopicDeclaration> fromDirectory(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<TopicDeclaration> topics = new ArrayList<>();
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList()) {
                topics.add(parse(file.toString(), YAML.readTree(file.toFile())));
            }
            return topics;
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot read topic declarations: " + e.getMessage(), e);
        }
    }

    static TopicDeclaration parse(String source, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(source + ": a topic declaration is a map");
        }
        String name = node.path("name").asText("");
        if (name.isBlank()) {
            throw new IllegalArgumentException(source + ": name: must not be empty");
        }
        int partitions = positive(source, node, "partitions");
        int replicationFactor = positive(source, node, "replicationFactor");
        Map<String, String> config = new TreeMap<>();
        JsonNode settings = node.path("config");
        if (!settings.isMissingNode() && !settings.isObject()) {
            throw new IllegalArgumentException(source + ": config: must be a map of topic settings");
        }
        settings.fields().forEachRemaining(entry -> {
            if (entry.getValue().isContainerNode()) {
                throw new IllegalArgumentException(source + ": config." + entry.getKey() + ": must be a single value");
            }
            config.put(entry.getKey(), entry.getValue().asText());
        });
        return new TopicDeclaration(name, node.path("description").asText(""), partitions, replicationFactor, config);
    }

    private static int positive(String source, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 1) {
            throw new IllegalArgumentException(source + ": " + key + ": must be a whole number of at least 1, got "
                    + (value == null ? "nothing" : value.asText()));
        }
        return value.intValue();
    }
}
