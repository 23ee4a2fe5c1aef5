package io.tally.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the settings once, at start-up: built-in defaults, then the configuration file, then
 * environment variables, then command-line overrides. Every scalar is kept as text until
 * {@link SettingsParser} validates it, so YAML never turns an amount into a {@code double}.
 */
public final class SettingsLoader {
    public static final String DEFAULT_FILE = "tally.yaml";
    private static final String DEFAULTS_RESOURCE = "/tally-defaults.yaml";
    // A key written twice is refused: YAML would keep the last, and drop a bound the first one set.
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private static final Logger LOG = LoggerFactory.getLogger(SettingsLoader.class);
    /** Variables the command line reads for itself: where the file is, and the REST API a verb talks to. */
    private static final Set<String> NOT_SETTINGS = Set.of("TALLY_CONFIG", "TALLY_URL", "TALLY_TOKEN");

    private SettingsLoader() {
    }

    /**
     * @param file      the configuration file, or null to use {@code tally.yaml} if it exists
     * @param env       environment variables ({@code System.getenv()} in production)
     * @param overrides key paths set on the command line, e.g. {@code bootstrapServers}
     */
    public static Settings load(Path file, Map<String, String> env, Map<String, String> overrides) {
        ObjectNode tree = defaults();
        Path chosen = file != null ? file : env.containsKey("TALLY_CONFIG") ? Path.of(env.get("TALLY_CONFIG")) : null;
        if (chosen == null && Files.exists(Path.of(DEFAULT_FILE))) {
            chosen = Path.of(DEFAULT_FILE);
        }
        if (chosen != null) {
            overlay(tree, read(chosen));
        }
        Set<String> applied = new HashSet<>();
        applyEnvironment(tree, new ArrayList<>(), env, applied);
        for (String ignored : ignoredVariables(env, applied)) {
            LOG.warn("{} is ignored: it names no key the configuration file or the defaults have (a variable "
                    + "only overrides such a key; give new keys, a field's maximum say, in the file)", ignored);
        }
        overrides.forEach((key, value) -> tree.put(key, value));
        return SettingsParser.parse(toMap(tree));
    }

    /** The {@code TALLY_} variables of {@code env} that set nothing, but for those the command line reads itself. */
    static List<String> ignoredVariables(Map<String, String> env, Set<String> applied) {
        return env.keySet().stream()
                .filter(name -> name.startsWith("TALLY_") && !applied.contains(name) && !NOT_SETTINGS.contains(name))
                .sorted().toList();
    }

    /** Settings from defaults plus {@code tree}, as tests and tools build them with {@code Map.of(...)}. */
    public static Settings fromMap(Map<String, ?> tree) {
        ObjectNode merged = defaults();
        overlay(merged, YAML.valueToTree(tree));
        return SettingsParser.parse(toMap(merged));
    }

    private static ObjectNode defaults() {
        try (InputStream in = SettingsLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in defaults", e);
        }
    }

    private static ObjectNode read(Path file) {
        try {
            JsonNode node = YAML.readTree(file.toFile());
            if (node == null || node.isMissingNode() || node.isNull()) {
                return YAML.createObjectNode();
            }
            if (!node.isObject()) {
                throw new SettingsException(file.toString(), "the configuration must be a map of settings");
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new SettingsException(file.toString(), "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        } catch (IOException e) {
            throw new SettingsException(file.toString(), "cannot be read: " + e.getMessage());
        }
    }

    /** The file's values replace the defaults; its resources replace the example resources whole. */
    private static void overlay(ObjectNode base, JsonNode top) {
        Iterator<Map.Entry<String, JsonNode>> fields = top.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            JsonNode under = base.get(entry.getKey());
            // Sections merge key by key (analytics.zone alone keeps the default retention); the
            // declared resources are the example's replacement, not an addition to it.
            if (under instanceof ObjectNode section && entry.getValue().isObject() && !entry.getKey().equals("resources")) {
                overlay(section, entry.getValue());
            } else {
                base.set(entry.getKey(), entry.getValue());
            }
        }
    }

    /** Replaces every scalar whose variable ({@link #variableName}) is set. */
    private static void applyEnvironment(ObjectNode node, List<String> path, Map<String, String> env, Set<String> applied) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            path.add(name);
            JsonNode child = node.get(name);
            if (child.isObject()) {
                applyEnvironment((ObjectNode) child, path, env, applied);
            } else {
                String variable = variableName(path);
                String value = env.get(variable);
                if (value != null) {
                    node.set(name, TextNode.valueOf(value));
                    applied.add(variable);
                }
            }
            path.remove(path.size() - 1);
        }
    }

    /** {@code [resources, wallets, fields, stats.clicks]} → {@code TALLY_RESOURCES_WALLETS_FIELDS_STATS_CLICKS}. */
    public static String variableName(List<String> path) {
        StringBuilder name = new StringBuilder("TALLY");
        for (String segment : path) {
            name.append('_').append(segment.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                    .replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT));
        }
        return name.toString();
    }

    private static Map<String, Object> toMap(JsonNode node) {
        Map<String, Object> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> map.put(entry.getKey(), toValue(entry.getValue())));
        return map;
    }

    private static Object toValue(JsonNode node) {
        if (node.isObject()) {
            return toMap(node);
        }
        if (node.isArray()) {
            List<Object> items = new ArrayList<>();
            node.forEach(item -> items.add(toValue(item)));
            return items;
        }
        return node.getNodeType() == JsonNodeType.NULL ? null : node.asText();
    }
}
