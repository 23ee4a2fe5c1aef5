package io.tally.kafka;

import java.util.List;

/** What {@link TopicAdmin#apply} did to each topic; printed by {@code tally topics apply}. */
public record ApplyReport(List<String> created, List<String> updated, List<String> unchanged, List<String> warnings) {

    public ApplyReport {
        created = List.copyOf(created);
        updated = List.copyOf(updated);
        unchanged = List.copyOf(unchanged);
        warnings = List.copyOf(warnings);
    }

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
        return text.toString().strip();
    }
}
