package io.tally.kafka;

import java.util.List;

/**
 * What {@link TopicAdmin#apply} did, one line per topic; {@link #toString()} is what
 * {@code tally topics apply} prints.
 *
 * @param created   topics created, with their partitions and replicas
 * @param updated   topics changed, with each change ({@code retention.ms 1000 → 2000})
 * @param unchanged topics that already matched their declaration
 * @param warnings  differences left alone: fewer replicas than declared, partitions Kafka cannot remove …
 */
public record ApplyReport(List<String> created, List<String> updated, List<String> unchanged, List<String> warnings) {

    public ApplyReport {
        created = List.copyOf(created);
        updated = List.copyOf(updated);
        unchanged = List.copyOf(unchanged);
        warnings = List.copyOf(warnings);
    }

    /** True when the cluster already matched: a second apply in a row always says so. */
    public boolean changedNothing() {
        return created.isEmpty() && updated.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        created.forEach(line -> text.append("created   ").append(line).append('\n'));
        updated.forEach(line -> text.append("updated   ").append(line).append('\n'));
        unchanged.forEach(line -> text.append("unchanged ").append(line).append('\n'));
        warnings.forEach(line -> text.append("warning   ").append(line).append('\n'));
        int topics = created.size() + updated.size() + unchanged.size();
        text.append(changedNothing()
                ? topics + " topic(s) already as declared, nothing changed"
                : topics + " topic(s): " + created.size() + " created, " + updated.size() + " updated, "
                        + unchanged.size() + " unchanged");
        return text.toString();
    }
}
