package io.tally.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The chart in {@code helm/tally}, rendered and linted by the Helm library that helm-java bundles:
 * no helm CLI, no cluster, no network. Values are written to YAML files, as a user writes them, so
 * numbers stay numbers (unlike {@code --set}).
 */
final class RenderedChart {
    static final Path CHART = Path.of("helm", "tally");
    static final Path PRODUCTION_VALUES = CHART.resolve("values-production.yaml");
    static final String RELEASE = "tally";
    static final String NAMESPACE = "ledger";
    /**
     * helm-java's template returns the release manifest without hooks (the helm CLI appends them),
     * so a rendering that must show the hook Job renders a copy of the chart whose hook annotation
     * keys carry this prefix instead of {@code helm.sh/hook}. The values stay as rendered.
     */
    static final String REVEALED_HOOK = "test.tally.io/hook";
    /** The chart requires Kubernetes 1.25+; without a version helm-java's template assumes 1.20. */
    private static final String KUBE_VERSION = "1.31.0";
    static final YAMLMapper YAML = new YAMLMapper();

    private final List<JsonNode> manifests;

    private RenderedChart(List<JsonNode> manifests) {
        this.manifests = List.copyOf(manifests);
    }

    /** Renders with the chart's values.yaml, then each of {@code valuesFiles}, then {@code values}. */
    static RenderedChart render(Path workDir, List<Path> valuesFiles, Map<String, ?> values) {
        return render(CHART, workDir, valuesFiles, values);
    }

    /** As {@link #render}, with the hooks (the topics Job) among the manifests; see {@link #REVEALED_HOOK}. */
    static RenderedChart renderWithHooks(Path workDir, List<Path> valuesFiles, Map<String, ?> values) {
        Path copy = copyOfChart(newDirectory(workDir, "chart-with-hooks"));
        for (Path template : listFiles(copy.resolve("templates"))) {
            rewrite(template, read(template).replace("helm.sh/hook", REVEALED_HOOK));
        }
        return render(copy, workDir, valuesFiles, values);
    }

    private static RenderedChart render(Path chart, Path workDir, List<Path> valuesFiles, Map<String, ?> values) {
        TemplateCommand template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file);
        }
        if (!values.isEmpty()) {
            template = template.withValuesFile(writeYaml(newDirectory(workDir, "values").resolve("values.yaml"), values));
        }
        return new RenderedChart(parseDocuments(template.call()));
    }

    /**
     * {@code helm lint --strict}, with the chart's values.yaml overlaid by {@code overlay} (or not,
     * when null). helm-java's lint takes no values file, so an overlay is linted as a copy of the
     * chart whose values.yaml is the merge, as Helm merges: maps key by key, null removes a key.
     */
    static LintResult lint(Path workDir, Object overlay) {
        if (overlay == null) {
            return new Helm(CHART).lint().strict().call();
        }
        Path copy = copyOfChart(newDirectory(workDir, "chart-to-lint"));
        ObjectNode values = (ObjectNode) readYaml(CHART.resolve("values.yaml"));
        JsonNode top = overlay instanceof Path file ? readYaml(file) : YAML.valueToTree(overlay);
        mergeValues(values, top);
        writeYaml(copy.resolve("values.yaml"), values);
        return new Helm(copy).lint().strict().call();
    }

    /** A copy of the chart (templates, values, schema and the build's topics/ copy) under {@code target}. */
    static Path copyOfChart(Path target) {
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path destination = target.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(source, destination);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, empty directory in {@code parent}, so that renderings in one test never share files. */
    static Path newDirectory(Path parent, String prefix) {
        try {
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void mergeValues(ObjectNode base, JsonNode overlay) {
        overlay.fields().forEachRemaining(entry -> {
            JsonNode under = base.get(entry.getKey());
            if (entry.getValue().isNull()) {
                base.remove(entry.getKey());
            } else if (under instanceof ObjectNode section && entry.getValue().isObject()) {
                mergeValues(section, entry.getValue());
            } else {
                base.set(entry.getKey(), entry.getValue());
            }
        });
    }

    List<JsonNode> ofKind(String kind) {
        return manifests.stream().filter(manifest -> kind.equals(manifest.path("kind").asText())).toList();
    }

    /** The one manifest of {@code kind}; fails when there is none or more than one. */
    JsonNode one(String kind) {
        List<JsonNode> found = ofKind(kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", rendered " + found.size() + " among " + kinds());
        }
        return found.get(0);
    }

    List<String> kinds() {
        return manifests.stream().map(manifest -> manifest.path("kind").asText()).toList();
    }

    /** The headless Service (clusterIP None) or the client Service. */
    JsonNode service(boolean headless) {
        return ofKind("Service").stream()
                .filter(service -> service.at("/spec/clusterIP").asText().equals("None") == headless)
                .findFirst().orElseThrow(() -> new AssertionError((headless ? "no headless" : "no client") + " Service"));
    }

    static JsonNode volume(JsonNode workload, String name) {
        for (JsonNode volume : workload.at("/spec/template/spec/volumes")) {
            if (name.equals(volume.path("name").asText())) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    static String mountPath(JsonNode container, String volume) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (volume.equals(mount.path("name").asText())) {
                return mount.path("mountPath").asText();
            }
        }
        throw new AssertionError("volume " + volume + " is not mounted in " + container.path("name").asText());
    }

    static Map<String, String> texts(JsonNode map) {
        Map<String, String> texts = new TreeMap<>();
        map.fields().forEachRemaining(entry -> texts.put(entry.getKey(), entry.getValue().asText()));
        return texts;
    }

    /** The service's container in the StatefulSet. */
    JsonNode tallyContainer() {
        return container(one("StatefulSet"), "tally");
    }

    static JsonNode container(JsonNode workload, String name) {
        for (JsonNode container : workload.at("/spec/template/spec/containers")) {
            if (name.equals(container.path("name").asText())) {
                return container;
            }
        }
        throw new AssertionError("no container " + name + " in " + workload.at("/metadata/name").asText());
    }

    /** A container's environment by variable name, in the order declared. */
    static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container.path("env").forEach(variable -> env.put(variable.path("name").asText(), variable));
        return env;
    }

    /** The variables a container sets to plain text (not from a Secret or the downward API). */
    static Map<String, String> literalEnv(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        env(container).forEach((name, variable) -> {
            if (variable.has("value")) {
                env.put(name, variable.path("value").asText());
            }
        });
        return env;
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path writeYaml(Path file, Object values) {
        try {
            Files.createDirectories(file.getParent());
            YAML.writeValue(file.toFile(), values);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void rewrite(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> listFiles(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> parseDocuments(String rendered) {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> iterator = YAML.readerFor(JsonNode.class).readValues(rendered)) {
            while (iterator.hasNext()) {
                JsonNode document = iterator.next();
                if (document != null && document.isObject() && !document.isEmpty()) {
                    documents.add(document);
                }
            }
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException("the chart rendered invalid YAML:\n" + rendered, e);
        }
    }
}
