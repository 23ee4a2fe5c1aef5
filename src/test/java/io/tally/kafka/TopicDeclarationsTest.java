package io.tally.kafka;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicDeclarationsTest {
    private static final String VALID = """
            name: t
            description: a test topic
            partitions: 3
            replicationFactor: 3
            config:
              cleanup.policy: delete
              retention.ms: 604800000
              min.insync.replicas: "2"
            """;

    @TempDir
    Path dir;

    @Test
    void readsTheFourTopicsFromTheClasspathInTheirFixedOrder() {
        List<TopicDeclaration> topics = TopicDeclarations.fromClasspath();

        assertThat(topics).extracting(TopicDeclaration::name)
                .containsExactly("tally.commands", "tally.transactions", "tally.rejections", "tally.records");
        assertThat(topics).allSatisfy(topic -> {
            assertThat(topic.partitions()).isEqualTo(12);
            assertThat(topic.replicationFactor()).isEqualTo(3);
            assertThat(topic.description()).isNotBlank();
        });
        assertThat(byName(topics, "tally.commands").config())
                .containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", "604800000");
        assertThat(byName(topics, "tally.transactions").config())
                .containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", "-1")
                .containsEntry("min.insync.replicas", "2");
        assertThat(byName(topics, "tally.rejections").config()).containsEntry("retention.ms", "2592000000");
        assertThat(byName(topics, "tally.records").config())
                .containsEntry("cleanup.policy", "compact").containsKey("min.compaction.lag.ms");
    }

    @Test
    void theProjectDirectoryAndTheClasspathDeclareTheSameTopics() {
        assertThat(TopicDeclarations.fromDirectory(Path.of("topics")))
                .containsExactlyInAnyOrderElementsOf(TopicDeclarations.fromClasspath());
    }

    @Test
    void readsEveryYamlFileOfADirectoryAndNothingElse() throws IOException {
        Files.writeString(dir.resolve("t.yaml"), VALID);
        Files.writeString(dir.resolve("u.yaml"), VALID.replace("name: t", "name: u"));
        Files.writeString(dir.resolve("notes.txt"), "not a declaration");

        List<TopicDeclaration> topics = TopicDeclarations.fromDirectory(dir);

        assertThat(topics).extracting(TopicDeclaration::name).containsExactly("t", "u");
        assertThat(topics.get(0)).isEqualTo(new TopicDeclaration("t", "a test topic", 3, 3, Map.of(
                "cleanup.policy", "delete", "retention.ms", "604800000", "min.insync.replicas", "2")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            partitions zero               | partitions: 3        | partitions: 0         | ': partitions: must be a whole number'
            partitions as text            | partitions: 3        | partitions: "12"      | ': partitions: must be a whole number'
            partitions fractional         | partitions: 3        | partitions: 1.5       | ': partitions: must be a whole number'
            partitions missing            | partitions: 3        | ''                    | ': partitions: must be a whole number'
            replication zero              | replicationFactor: 3 | replicationFactor: 0  | ': replicationFactor: must be a whole number'
            replication negative          | replicationFactor: 3 | replicationFactor: -1 | ': replicationFactor: must be a whole number'
            name empty                    | name: t              | name: ""              | ': name: must be non-empty text'
            name missing                  | name: t              | ''                    | ': name: must be non-empty text'
            name differs from the file    | name: t              | name: other           | must match the file name t.yaml
            name not legal in Kafka       | name: t              | name: t/x             | is not a Kafka topic name
            unknown key                   | partitions: 3        | partition: 3          | ': partition: unknown key'
            config value a map            | retention.ms: 604800000 | 'retention.ms: {a: 1}' | ': config.retention.ms: must be a single value'
            config value empty            | retention.ms: 604800000 | 'retention.ms:'     | ': config.retention.ms: must be a single value'
            min.insync.replicas not whole | min.insync.replicas: "2" | 'min.insync.replicas: two' | ': config.min.insync.replicas: must be a whole number'
            duplicate key                 | partitions: 3        | 'partitions: 3\npartitions: 4' | Duplicate field
            """)
    void refusesAMistakeNamingTheFileAndTheKey(String mistake, String valid, String broken, String message)
            throws IOException {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, VALID.replace(valid, broken.replace("\\n", "\n")));

        assertThatThrownBy(() -> TopicDeclarations.fromDirectory(dir))
                .as(mistake)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message);
    }

    @Test
    void refusesConfigThatIsNotAMap() throws IOException {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, "name: t\npartitions: 1\nreplicationFactor: 1\nconfig: [retention.ms]\n");

        assertThatThrownBy(() -> TopicDeclarations.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": config: must be a map of topic settings");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''
            '- a list\n- of things'
            'name: [unclosed'
            """)
    void refusesAFileThatIsNotADeclarationAtAll(String content) throws IOException {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, content.replace("\\n", "\n"));

        assertThatThrownBy(() -> TopicDeclarations.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file.toString());
    }

    @Test
    void fittingToOneBrokerCapsReplicasAndMinInsyncReplicasOnly() {
        TopicDeclaration declared = new TopicDeclaration("t", "", 12, 3,
                Map.of("min.insync.replicas", "2", "retention.ms", "-1"));

        TopicDeclaration fitted = declared.fittedTo(1);

        assertThat(fitted).isEqualTo(new TopicDeclaration("t", "", 12, 1,
                Map.of("min.insync.replicas", "1", "retention.ms", "-1")));
        assertThat(declared.fittedTo(5)).isEqualTo(declared);
        assertThat(new TopicDeclaration("t", "", 1, 3, Map.of()).fittedTo(2).config()).isEmpty();
    }

    @Test
    void overridesForceThePartitionsAndMayLeaveReplicationAlone() {
        TopicDeclaration declared = new TopicDeclaration("t", "", 12, 3, Map.of("min.insync.replicas", "2"));

        assertThat(TopicOverrides.partitions(4).applyTo(declared, 1))
                .isEqualTo(new TopicDeclaration("t", "", 4, 1, Map.of("min.insync.replicas", "1")));
        assertThat(TopicOverrides.partitions(null).applyTo(declared, 3)).isEqualTo(declared);
        assertThat(TopicOverrides.none().withoutReplicationCap().applyTo(declared, 1)).isEqualTo(declared);
        assertThatThrownBy(() -> TopicOverrides.partitions(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static TopicDeclaration byName(List<TopicDeclaration> topics, String name) {
        return topics.stream().filter(topic -> topic.name().equals(name)).findFirst().orElseThrow();
    }
}
