package io.tally.analytics;

import io.tally.analytics.AnalyticsQueries.Subject;
import io.tally.ledger.Op;
import io.tally.ledger.Transaction;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Analytics recomputed straight from an audit log: every change of the field in the bucket, nothing pre-aggregated. */
public final class BruteForce {
    private BruteForce() {
    }

    public static Metrics metrics(List<Transaction> log, Subject subject, Bucket bucket) {
        long count = 0;
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal min = null;
        BigDecimal max = null;
        Set<String> records = new HashSet<>();
        Map<Op, Metrics.OpTotal> byOp = new EnumMap<>(Op.class);
        for (Transaction transaction : log) {
            if (!transaction.resource().equals(subject.resource()) || !bucket.contains(transaction.at())
                    || (subject.id() != null && !transaction.id().equals(subject.id()))) {
                continue;
            }
            for (Changes.Change change : Changes.of(transaction).changes()) {
                if (!change.field().equals(subject.field())) {
                    continue;
                }
                BigDecimal amount = change.amount();
                count++;
                sum = sum.add(amount);
                min = min == null || amount.compareTo(min) < 0 ? amount : min;
                max = max == null || amount.compareTo(max) > 0 ? amount : max;
                records.add(transaction.id());
                Metrics.OpTotal before = byOp.getOrDefault(transaction.op(), new Metrics.OpTotal(0, BigDecimal.ZERO));
                byOp.put(transaction.op(), new Metrics.OpTotal(before.count() + 1, before.sum().add(amount)));
            }
        }
        return count == 0 ? Metrics.EMPTY : new Metrics(count, sum, min, max, records.size(), byOp);
    }
}
