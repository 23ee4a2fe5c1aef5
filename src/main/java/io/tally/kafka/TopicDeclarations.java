package io.tally.kafka;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads {@code topics/}: the one source of truth for Tally's topics, used by {@code tally topics
 * apply}, by the service on start, and by the Helm chart. Each file {@code <name>.yaml} declares
 * the topic {@code <name>}; a mistake is an {@link IllegalArgumentException} naming file and key.
 */
public final class TopicDeclarations {
    /** A jar cannot list a directory reliably, so the classpath copy is read by these names. */
    public static final List<String> NAMES = List.of("tally.commands", "tally.transactions", "tally.rejections",
            "tally.records");
    private static final String SUFFIX = ".yaml";
    private static final List<String> KEYS = List.of("name", "description", "partitions", "replicationFactor", "config");
    /** What Kafka accepts as a topic name. */
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private TopicDeclarations() {
    }

    /** The declarations packed into the jar under {@code topics/}, in the order of {@link #NAMES}. */
    public static List<TopicDeclaration> fromClasspath() {
        List<TopicDeclaration> topics = new ArrayList<>();
        for (String name : NAMES) {
            String resource = "topics/" + name + SUFFIX;
            try (InputStream in = TopicDeclarations.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is missing from the classpath");
                }
                topics.add(parse(resource, name, read(resource, in)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        return topics;
    }

    /** Every {@code *.yaml} in {@code dir}, sorted by file name. */
    public static List<TopicDeclaration> fromDirectory(Path dir) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(file -> file.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list topic declarations in " + dir, e);
        }
        List<TopicDeclaration> topics = new ArrayList<>();
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            try (InputStream in = Files.newInputStream(file)) {
                topics.add(parse(file.toString(), fileName.substring(0, fileName.length() - SUFFIX.length()),
                        read(file.toString(), in)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return topics;
    }

    private static JsonNode read(String source, InputStream in) throws IOException {
        try {
            return YAML.readTree(in);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage() + where, e);
        }
    }

    /** @param expectedName the file's name without {@code .yaml}, which must be the topic's name */
    static TopicDeclaration parse(String source, String expectedName, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(source + ": a topic declaration is a map with the keys " + KEYS);
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!KEYS.contains(entry.getKey())) {
                throw new IllegalArgumentException(source + ": " + entry.getKey() + ": unknown key; a declaration has "
                        + KEYS);
            }
        }
        String name = text(source, node, "name");
        if (!LEGAL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(source + ": name: '" + name
                    + "' is not a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)");
        }
        if (!name.equals(expectedName)) {
            throw new IllegalArgumentException(source + ": name: '" + name + "' must match the file name "
                    + expectedName + SUFFIX);
        }
        String description = node.has("description") ? text(source, node, "description") : "";
        return new TopicDeclaration(name, description, atLeastOne(source, node, "partitions"),
                atLeastOne(source, node, "replicationFactor"), config(source, node.get("config")));
    }

    private static Map<String, String> config(String source, JsonNode settings) {
        Map<String, String> config = new TreeMap<>();
        if (settings == null) {
            return config;
        }
        if (!settings.isObject()) {
            throw new IllegalArgumentException(source + ": config: must be a map of topic settings");
        }
        for (Map.Entry<String, JsonNode> entry : settings.properties()) {
            String key = "config." + entry.getKey();
            JsonNode value = entry.getValue();
            if (value.isContainerNode() || value.isNull() || value.asText().isBlank()) {
                throw new IllegalArgumentException(source + ": " + key + ": must be a single value");
            }
            config.put(entry.getKey(), value.asText().strip());
        }
        String minInsync = config.get(TopicDeclaration.MIN_INSYNC_REPLICAS);
        if (minInsync != null && !minInsync.matches("[1-9][0-9]{0,8}")) {
            throw new IllegalArgumentException(source + ": config." + TopicDeclaration.MIN_INSYNC_REPLICAS
                    + ": must be a whole number of at least 1, got " + minInsync);
        }
        return config;
    }

    private static String text(String source, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException(source + ": " + key + ": must be non-empty text");
        }
        return value.asText().strip();
    }

    private static int atLeastOne(String source, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
            throw new IllegalArgumentException(source + ": " + key + ": must be a whole number of at least 1, got "
                    + (value == null ? "nothing" : value.asText()));
        }
        return value.intValue();
    }
}
