package io.tally.config;

import io.tally.analytics.AnalyticsSettings;
import io.tally.analytics.Granularity;
import io.tally.ledger.Amounts;
import io.tally.ledger.Consistency;
import io.tally.ledger.FieldSpec;
import io.tally.ledger.RecordKey;
import io.tally.ledger.Reducer;
import io.tally.ledger.Reducers;
import io.tally.ledger.ResourceSpec;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Validates a settings tree (scalars as text) into {@link Settings}; every error names its key. */
final class SettingsParser {
    private static final Set<String> TOP_LEVEL = Set.of("bootstrapServers", "embeddedPort", "dataDir",
            "applicationId", "stateDir", "processingGuarantee", "commitInterval", "syncCommitInterval", "streamThreads", "topicPartitions",
            "replicationFactor", "applyTopics", "dedupeHorizon", "maxPendingPerRecord", "maxCommandBytes", "resources",
            "analytics", "http", "standbyReplicas", "kafkaPropertiesFile",
            "rocksdbMemoryBytes");
    private static final Set<String> RESOURCE_KEYS = Set.of("createOnFirstUse", "consistency", "fields", "zone", "analytics");
    private static final Set<String> HTTP_KEYS = Set.of("enabled", "host", "port", "advertisedHost", "syncTimeout",
            "maxBodyBytes", "readToken", "writeToken", "maxThreads");
    private static final Set<String> ANALYTICS_KEYS = Set.of("enabled", "zone", "retention", "purgeInterval");
    private static final Set<String> FIELD_KEYS = Set.of("scale", "minimum", "maximum", "initial", "reducer");
    private static final Set<String> GUARANTEES = Set.of("exactly_once_v2", "at_least_once");
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final int MAX_SCALE = 18;
    /** The Kafka Streams property of its producers' transaction timeout, and Kafka Streams' default for it. */
    private static final String TRANSACTION_TIMEOUT = "producer.transaction.timeout.ms";
    private static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;
    /** The least bound whose memtable half still gives 12 partitions' 60 written stores the 256 KB memtable floor of BoundedRocksDB. */
    static final int MIN_ROCKSDB_MEMORY_BYTES = 32 * 1024 * 1024;

    private SettingsParser() {
    }

    static Settings parse(Map<String, Object> tree) {
        checkKeys("", tree, TOP_LEVEL);
        String bootstrap = text(tree, "bootstrapServers");
        String partitions = text(tree, "topicPartitions");
        Settings settings = new Settings(
                bootstrap.isBlank() ? null : bootstrap.trim(),
                integer(tree, "embeddedPort", 0, 65535),
                Path.of(nonBlank(tree, "dataDir")),
                applicationId(tree),
                Path.of(nonBlank(tree, "stateDir")),
                guarantee(tree),
                duration(tree, "commitInterval", Duration.ofMillis(1)),
                duration(tree, "syncCommitInterval", Duration.ofMillis(1)),
                integer(tree, "streamThreads", 1, 64),
                partitions.isBlank() ? null : integer(tree, "topicPartitions", 1, 10_000),
                replicationFactor(tree),
                bool(tree, "applyTopics"),
                duration(tree, "dedupeHorizon", Duration.ofSeconds(1)),
                integer(tree, "maxPendingPerRecord", 0, 1_000_000),
                integer(tree, "maxCommandBytes", 256, 16 * 1024 * 1024),
                resources(tree.get("resources")),
                analytics(map("analytics", tree.get("analytics")), map("resources", tree.get("resources"))),
                http(map("http", tree.get("http"))),
                integer(tree, "standbyReplicas", 0, 10),
                kafkaProperties(text(tree, "kafkaPropertiesFile")),
                rocksdbMemoryBytes(tree));
        checkCommitWithinTransactionTimeout(settings);
        return settings;
    }

    /**
     * Under exactly-once a transaction stays open from one commit to the next, and the broker
     * aborts one left open longer than the transaction timeout: Kafka Streams refuses to start
     * with a longer commit interval, so it is refused here, by name, instead.
     */
    private static void checkCommitWithinTransactionTimeout(Settings settings) {
        if (!settings.processingGuarantee().startsWith("exactly_once")) {
            return;
        }
        String configured = settings.kafkaProperties().get(TRANSACTION_TIMEOUT);
        long timeoutMs;
        try {
            timeoutMs = configured == null ? DEFAULT_TRANSACTION_TIMEOUT_MS : Long.parseLong(configured.trim());
        } catch (NumberFormatException e) {
            throw new SettingsException("kafkaPropertiesFile", TRANSACTION_TIMEOUT + " is not a number of milliseconds: '"
                    + configured + "'");
        }
        if (settings.commitInterval().toMillis() > timeoutMs) {
            throw new SettingsException("commitInterval", "must not be longer than the transaction timeout under "
                    + settings.processingGuarantee() + " (" + timeoutMs + " ms; " + TRANSACTION_TIMEOUT
                    + " in kafkaPropertiesFile raises it), got " + settings.commitInterval().toMillis() + " ms");
        }
    }

    /** The Kafka client properties in a Java properties file, or none when no file is named. */
    private static Map<String, String> kafkaProperties(String file) {
        if (file.isBlank()) {
            return Map.of();
        }
        java.util.Properties properties = new java.util.Properties();
        try (java.io.Reader reader = java.nio.file.Files.newBufferedReader(Path.of(file.trim()))) {
            properties.load(reader);
        } catch (java.io.IOException | RuntimeException e) {
            throw new SettingsException("kafkaPropertiesFile", "cannot read '" + file.trim() + "': " + e.getMessage());
        }
        Map<String, String> loaded = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> loaded.put(name, properties.getProperty(name)));
        for (String owned : List.of("bootstrap.servers", "application.id", "processing.guarantee")) {
            if (loaded.containsKey(owned)) {
                throw new SettingsException("kafkaPropertiesFile", "'" + owned + "' is a Tally setting; set it there, not in "
                        + file.trim());
            }
        }
        return loaded;
    }

    /** A bearer token: empty for none, else at least 16 printable characters without spaces. */
    private static String token(String key, Object value) {
        String token = value == null ? "" : text(key, value).trim();
        if (!token.isEmpty() && (token.length() < 16 || !token.chars().allMatch(c -> c > 32 && c < 127))) {
            throw new SettingsException(key, "must be empty (no token) or at least 16 printable characters without spaces");
        }
        return token;
    }

    private static HttpSettings http(Map<String, Object> tree) {
        checkKeys("http.", tree, HTTP_KEYS);
        return new HttpSettings(bool("http", tree, "enabled"), nonBlank("http.host", text("http.host", tree.get("host"))),
                integer("http", tree, "port", 0, 65535), text("http.advertisedHost", tree.get("advertisedHost")).trim(),
                // A write waits this long for Kafka to take its command, and a sync write for its commit:
                // below 100 ms not even an idle instance answers within it (every write would be a 503).
                duration("http.syncTimeout", text("http.syncTimeout", tree.get("syncTimeout")), Duration.ofMillis(100)),
                integer("http", tree, "maxBodyBytes", 256, 16 * 1024 * 1024),
                token("http.readToken", tree.get("readToken")), token("http.writeToken", tree.get("writeToken")),
                integer("http", tree, "maxThreads", HttpSettings.LEAST_MAX_THREADS, 10_000));
    }

    private static AnalyticsSettings analytics(Map<String, Object> tree, Map<String, Object> resources) {
        checkKeys("analytics.", tree, ANALYTICS_KEYS);
        ZoneId zone = zone("analytics.zone", nonBlank("analytics.zone", text("analytics.zone", tree.get("zone"))));
        boolean enabled = bool("analytics", tree, "enabled");
        Set<String> off = new TreeSet<>();
        Map<String, ZoneId> zones = new TreeMap<>();
        for (Map.Entry<String, Object> resource : resources.entrySet()) {
            Map<String, Object> spec = map("resources." + resource.getKey(), resource.getValue());
            if (!(spec.get("analytics") == null ? enabled : bool("resources." + resource.getKey(), spec, "analytics"))) {
                off.add(resource.getKey());
            }
            Object resourceZone = spec.get("zone");
            if (resourceZone != null) {
                String key = "resources." + resource.getKey() + ".zone";
                zones.put(resource.getKey(), zone(key, nonBlank(key, text(key, resourceZone))));
            }
        }
        Map<String, Object> retention = map("analytics.retention", tree.get("retention"));
        Set<String> granularities = new TreeSet<>();
        for (Granularity granularity : Granularity.values()) {
            granularities.add(granularity.wireName());
        }
        checkKeys("analytics.retention.", retention, granularities);
        Map<Granularity, Duration> kept = new EnumMap<>(Granularity.class);
        for (Granularity granularity : Granularity.values()) {
            String key = "analytics.retention." + granularity.wireName();
            Object value = retention.get(granularity.wireName());
            if (value == null) {
                throw new SettingsException(key, "must be set (e.g. 30d)");
            }
            kept.put(granularity, duration(key, text(key, value), Duration.ofHours(1)));
        }
        String purge = text("analytics.purgeInterval", tree.get("purgeInterval"));
        return new AnalyticsSettings(zone, zones, kept,
                duration("analytics.purgeInterval", purge, Duration.ofSeconds(1)), off);
    }

    private static ZoneId zone(String key, String name) {
        try {
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            throw new SettingsException(key, "not a time zone: '" + name + "' (use an IANA name such as UTC or Europe/Paris)");
        }
    }

    private static Map<String, ResourceSpec> resources(Object node) {
        Map<String, Object> resources = map("resources", node);
        if (resources.isEmpty()) {
            throw new SettingsException("resources", "declare at least one resource");
        }
        Map<String, ResourceSpec> specs = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : resources.entrySet()) {
            String key = "resources." + entry.getKey();
            if (java.util.Set.of("analytics", "transfers", "consistency").contains(entry.getKey())) {
                throw new SettingsException(key, "'" + entry.getKey() + "' is reserved: the REST API serves "
                        + entry.getKey() + " under /v1/" + entry.getKey());
            }
            if (!RecordKey.validResource(entry.getKey())) {
                throw new SettingsException(key, "a resource name is lower-case letters, digits, '_' and '-', "
                        + "starting with a letter, at most 64 characters");
            }
            specs.put(entry.getKey(), resource(key, entry.getKey(), map(key, entry.getValue())));
        }
        return specs;
    }

    private static ResourceSpec resource(String key, String name, Map<String, Object> tree) {
        checkKeys(key + ".", tree, RESOURCE_KEYS);
        boolean createOnFirstUse = tree.containsKey("createOnFirstUse") && bool(key, tree, "createOnFirstUse");
        Consistency consistency = createOnFirstUse ? Consistency.ASYNC : Consistency.SYNC;
        if (tree.get("consistency") != null) {
            String mode = tree.get("consistency").toString().toUpperCase(Locale.ROOT);
            try {
                consistency = Consistency.valueOf(mode);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(key + ".consistency", "must be sync or async, got '" + tree.get("consistency") + "'");
            }
        }
        Map<String, Object> fields = map(key + ".fields", tree.get("fields"));
        if (fields.isEmpty()) {
            throw new SettingsException(key + ".fields", "declare at least one field");
        }
        SortedMap<String, FieldSpec> specs = new TreeMap<>();
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            String fieldKey = key + ".fields." + field.getKey();
            if (!RecordKey.validField(field.getKey())) {
                throw new SettingsException(fieldKey, "a field name is letters, digits and '_', with '.' between nested names");
            }
            Object value = field.getValue() == null ? Map.of() : field.getValue();
            specs.put(field.getKey(), field(fieldKey, field.getKey(), map(fieldKey, value)));
        }
        return new ResourceSpec(name, specs, createOnFirstUse, consistency);
    }

    private static FieldSpec field(String key, String name, Map<String, Object> tree) {
        checkKeys(key + ".", tree, FIELD_KEYS);
        int scale = tree.get("scale") == null ? 0 : integer(key, tree, "scale", 0, MAX_SCALE);
        BigDecimal minimum = amount(key + ".minimum", tree.get("minimum"), scale);
        BigDecimal maximum = amount(key + ".maximum", tree.get("maximum"), scale);
        BigDecimal initial = tree.get("initial") == null ? BigDecimal.ZERO.setScale(scale)
                : amount(key + ".initial", tree.get("initial"), scale);
        if (minimum != null && maximum != null && minimum.compareTo(maximum) > 0) {
            throw new SettingsException(key, "minimum " + minimum + " is above maximum " + maximum);
        }
        if (minimum != null && initial.compareTo(minimum) < 0 || maximum != null && initial.compareTo(maximum) > 0) {
            throw new SettingsException(key + ".initial", "initial value " + initial + " lies outside the bounds");
        }
        String reducerName = tree.get("reducer") == null ? "sum" : tree.get("reducer").toString();
        Reducer reducer = Reducers.byName(reducerName).orElseThrow(() -> new SettingsException(key + ".reducer",
                "no reducer named '" + reducerName + "'; available: " + Reducers.available().keySet()));
        return new FieldSpec(name, scale, minimum, maximum, initial, reducer);
    }

    private static BigDecimal amount(String key, Object value, int scale) {
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        Amounts.Parsed parsed = Amounts.parse(value.toString(), scale);
        if (parsed instanceof Amounts.Invalid invalid) {
            throw new SettingsException(key, invalid.reason());
        }
        return ((Amounts.Exact) parsed).value();
    }

    private static String applicationId(Map<String, Object> tree) {
        String id = nonBlank(tree, "applicationId");
        if (!id.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new SettingsException("applicationId", "letters, digits, '.', '_' and '-' only, got '" + id + "'");
        }
        return id;
    }

    private static String guarantee(Map<String, Object> tree) {
        String guarantee = nonBlank(tree, "processingGuarantee");
        if (!GUARANTEES.contains(guarantee)) {
            throw new SettingsException("processingGuarantee", "must be one of " + GUARANTEES + ", got '" + guarantee + "'");
        }
        return guarantee;
    }

    private static int replicationFactor(Map<String, Object> tree) {
        int factor = integer(tree, "replicationFactor", -1, 32);
        if (factor == 0) {
            throw new SettingsException("replicationFactor", "must be -1 (broker default) or at least 1");
        }
        return factor;
    }

    /** 0 (RocksDB's own memory per store, unbounded) or a bound of at least {@link #MIN_ROCKSDB_MEMORY_BYTES}. */
    private static long rocksdbMemoryBytes(Map<String, Object> tree) {
        String text = text(tree, "rocksdbMemoryBytes").trim();
        long bytes;
        try {
            bytes = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new SettingsException("rocksdbMemoryBytes", "must be a whole number of bytes, got '" + text + "'");
        }
        if (bytes != 0 && bytes < MIN_ROCKSDB_MEMORY_BYTES) {
            throw new SettingsException("rocksdbMemoryBytes", "must be 0 (no bound) or at least " + MIN_ROCKSDB_MEMORY_BYTES
                    + " (32 MiB), got " + bytes);
        }
        return bytes;
    }

    /** ISO-8601 ({@code PT24H}) or short ({@code 100ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 7d}). */
    static Duration duration(Map<String, Object> tree, String key, Duration least) {
        return duration(key, text(tree, key), least);
    }

    /** A duration as the settings write it: 100ms, 30s, 1h. */
    private static String shortForm(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static Duration duration(String key, String value, Duration least) {
        String text = nonBlank(key, value);
        Duration duration;
        Matcher shortForm = SHORT_DURATION.matcher(text);
        try {
            if (shortForm.matches()) {
                long amount = Long.parseLong(shortForm.group(1));
                duration = switch (shortForm.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            } else {
                duration = Duration.parse(text);
            }
        } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
            throw new SettingsException(key, "not a duration: '" + text + "' (use e.g. 100ms, 30s, 24h, 7d or PT24H)");
        }
        if (duration.compareTo(least) < 0) {
            throw new SettingsException(key, "must be at least " + shortForm(least) + ", got " + text);
        }
        return duration;
    }

    private static void checkKeys(String prefix, Map<String, Object> tree, Set<String> known) {
        for (String key : tree.keySet()) {
            if (!known.contains(key)) {
                throw new SettingsException(prefix + key, "unknown setting; known here: " + new TreeSet<>(known));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String key, Object node) {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof Map)) {
            throw new SettingsException(key, "must be a map, got '" + node + "'");
        }
        return (Map<String, Object>) node;
    }

    private static String text(Map<String, Object> tree, String key) {
        return text(key, tree.get(key));
    }

    private static String text(String key, Object value) {
        if (value instanceof Map || value instanceof java.util.List) {
            throw new SettingsException(key, "must be a single value");
        }
        return value == null ? "" : value.toString();
    }

    private static String nonBlank(Map<String, Object> tree, String key) {
        return nonBlank(key, text(tree, key));
    }

    private static String nonBlank(String key, String text) {
        String value = text.trim();
        if (value.isEmpty()) {
            throw new SettingsException(key, "must not be empty");
        }
        return value;
    }

    private static int integer(Map<String, Object> tree, String key, int least, int most) {
        return integer("", tree, key, least, most);
    }

    private static int integer(String prefix, Map<String, Object> tree, String key, int least, int most) {
        String name = prefix.isEmpty() ? key : prefix + "." + key;
        String text = text(tree, key).trim();
        try {
            int value = Integer.parseInt(text);
            if (value < least || value > most) {
                throw new SettingsException(name, "must be between " + least + " and " + most + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new SettingsException(name, "must be a whole number, got '" + text + "'");
        }
    }

    private static boolean bool(Map<String, Object> tree, String key) {
        return bool("", tree, key);
    }

    private static boolean bool(String prefix, Map<String, Object> tree, String key) {
        String text = text(tree, key).trim().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new SettingsException(prefix.isEmpty() ? key : prefix + "." + key,
                    "must be true or false, got '" + text + "'");
        };
    }
}
