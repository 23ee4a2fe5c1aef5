package io.tally.audit;

import io.tally.analytics.Aggregator;
import io.tally.analytics.StagedPartials;
import io.tally.config.Settings;
import io.tally.kafka.TopicReader;
import io.tally.ledger.Ledger;
import io.tally.ledger.RecordState;
import io.tally.ledger.Transaction;
import io.tally.stream.ChangelogPartials;
import io.tally.stream.History;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;

/**
 * Rebuilds the consolidated records, their history and the analytics from the audit log, without
 * touching the log: after a fix to how records or analytics are derived, or to repair state. Every
 * instance must be stopped. It replays {@code tally.transactions} through the pure ledger and the
 * analytics fold, then appends the rebuilt state to the stores' changelogs and to
 * {@code tally.records} — a new value for every rebuilt key, a tombstone for every key that should
 * not exist — so that the instances, when they start, restore exactly the rebuilt state (Kafka
 * Streams restores the changelog past its checkpoint). The command offsets, the dedupe memory and
 * the changes waiting for a create are left as they are.
 */
public final class Rebuilder {
    private final Settings settings;
    private final String bootstrap;
    private final Duration timeout;

    public Rebuilder(Settings settings, String bootstrap, Duration timeout) {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.timeout = timeout;
    }

    /** What was written. */
    public record Report(long transactions, long records, long analyticsEntries, long tombstones) {
    }

    public static String changelog(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    /** @param progress told the number of transactions replayed so far, now and then */
    public Report rebuild(LongConsumer progress) {
        refuseWhileRunning();
        int partitions = TopicReader.partitionCount(settings.kafkaClient(bootstrap), TallyTopics.COMMANDS, timeout);
        try (Writer writer = new Writer(partitions)) {
            Replay replay = replay(writer, partitions, progress);
            long tombstones = writeRecords(writer, replay.records) + dropStaleHistory(writer, replay.history);
            long[] analytics = writeAnalytics(writer, replay.analytics, partitions);
            return new Report(replay.transactions, replay.records.size(), analytics[0], tombstones + analytics[1]);
        }
    }

    /** The rebuilt state: every record, the history keys, each partition's analytics. */
    private static final class Replay {
        final Map<String, RecordState> records = new HashMap<>();
        final Set<String> history = new HashSet<>();
        final Map<Integer, StagedPartials> analytics = new HashMap<>();
        long transactions;
    }

    /** Replays the audit log; the history is written as it is read, as it holds the log's own bytes. */
    private Replay replay(Writer writer, int partitions, LongConsumer progress) {
        Ledger ledger = new Ledger(settings.resources(), settings.maxPendingPerRecord());
        Aggregator aggregator = new Aggregator(settings.analytics());
        Instant now = Instant.now();
        String historyTopic = changelog(settings.applicationId(), TallyTopics.HISTORY_STORE);
        Replay replay = new Replay();
        TopicReader.readAll(settings.kafkaClient(bootstrap), TallyTopics.TRANSACTIONS, timeout, record -> {
            Transaction transaction = TallyTopology.TRANSACTION_SERDE.deserialize(TallyTopics.TRANSACTIONS, record.value());
            String key = transaction.key();
            RecordState state = replay.records.getOrDefault(key, RecordState.absent(transaction.resource(), transaction.id()));
            if (transaction.sequence() != state.version() + 1) {
                throw new IllegalStateException("the audit log is not a clean history: " + key + " has transaction "
                        + transaction.sequence() + " after version " + state.version() + "; run tally verify");
            }
            replay.records.put(key, ledger.evolve(state, transaction));
            String historyKey = History.key(key, transaction.sequence());
            replay.history.add(historyKey);
            writer.send(historyTopic, key, historyKey, record.value());
            StagedPartials partials = replay.analytics.computeIfAbsent(TallyTopics.partitionOf(key, partitions),
                    partition -> StagedPartials.inMemory());
            aggregator.apply(transaction, now, partials);
            if (++replay.transactions % 10_000 == 0) {
                progress.accept(replay.transactions);
            }
        });
        progress.accept(replay.transactions);
        return replay;
    }

    /**
     * The records store keeps deleted records (their version numbers the next create); the public
     * topic drops them with a tombstone. Returns the tombstones written for keys without history.
     */
    private long writeRecords(Writer writer, Map<String, RecordState> records) {
        String store = changelog(settings.applicationId(), TallyTopics.RECORDS_STORE);
        Set<String> stale = keys(store);
        records.forEach((key, state) -> {
            byte[] json = TallyTopology.RECORD_SERDE.serialize(TallyTopics.RECORDS, state);
            writer.send(store, key, key, json);
            writer.send(TallyTopics.RECORDS, key, key, state.live() ? json : null);
            stale.remove(key);
        });
        for (String key : stale) {
            writer.send(store, key, key, null);
            writer.send(TallyTopics.RECORDS, key, key, null);
        }
        return stale.size();
    }

    private long dropStaleHistory(Writer writer, Set<String> history) {
        String store = changelog(settings.applicationId(), TallyTopics.HISTORY_STORE);
        Set<String> stale = keys(store);
        stale.removeAll(history);
        for (String key : stale) {
            writer.send(store, recordKeyOf(key), key, null);
        }
        return stale.size();
    }

    /** @return the partials written and the stale ones dropped */
    private long[] writeAnalytics(Writer writer, Map<Integer, StagedPartials> analytics, int partitions) {
        String topic = ChangelogPartials.changelogTopic(settings.applicationId());
        var stored = ChangelogPartials.read(settings.kafkaClient(bootstrap), settings.applicationId(), timeout);
        long[] written = new long[2];
        for (int partition = 0; partition < partitions; partition++) {
            StagedPartials replayed = analytics.get(partition);
            Map<String, byte[]> rebuilt = replayed == null ? Map.of() : replayed.written();
            for (Map.Entry<String, byte[]> entry : rebuilt.entrySet()) {
                writer.sendTo(topic, partition, entry.getKey(), entry.getValue());
                written[0]++;
            }
            if (partition < stored.partitionCount()) {
                for (String key : stored.entries(partition).keySet()) {
                    if (!rebuilt.containsKey(key)) {
                        writer.sendTo(topic, partition, key, null);
                        written[1]++;
                    }
                }
            }
        }
        return written;
    }

    private static String recordKeyOf(String historyKey) {
        return historyKey.substring(0, historyKey.lastIndexOf('/'));
    }

    private Set<String> keys(String topic) {
        Set<String> keys = new HashSet<>();
        try {
            TopicReader.readAll(settings.kafkaClient(bootstrap), topic, timeout, record -> {
                if (record.value() == null) {
                    keys.remove(record.key());
                } else {
                    keys.add(record.key());
                }
            });
        } catch (IllegalStateException noTopicYet) {
            // A store that never wrote has no changelog yet; Kafka Streams creates it on start.
            return keys;
        }
        return keys;
    }

    /** A running instance would keep writing the state being rebuilt: every one must be stopped first. */
    private void refuseWhileRunning() {
        try (Admin admin = Admin.create(settings.kafkaClient(bootstrap))) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(settings.applicationId()))
                    .describedGroups().get(settings.applicationId()).get();
            if (!group.members().isEmpty()) {
                throw new IllegalStateException("stop every Tally instance of " + settings.applicationId()
                        + " first: " + group.members().size() + " still run (group state " + group.groupState() + ")");
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                throw new IllegalStateException("cannot check that Tally is stopped: " + e.getCause().getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Sends to the partition a record's key belongs to, and waits for every send on close. */
    private final class Writer implements AutoCloseable {
        private final KafkaProducer<String, byte[]> producer;
        private final int partitions;
        private volatile Exception failed;

        Writer(int partitions) {
            Map<String, Object> config = settings.kafkaClient(bootstrap);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
            this.partitions = partitions;
        }

        void send(String topic, String recordKey, String key, byte[] value) {
            sendTo(topic, TallyTopics.partitionOf(recordKey, partitions), key, value);
        }

        void sendTo(String topic, int partition, String key, byte[] value) {
            if (failed != null) {
                throw new IllegalStateException("writing the rebuilt state failed: " + failed.getMessage(), failed);
            }
            producer.send(new ProducerRecord<>(topic, partition, key, value), (metadata, error) -> {
                if (error != null && failed == null) {
                    failed = error;
                }
            });
        }

        @Override
        public void close() {
            try {
                producer.flush();
            } finally {
                producer.close();
            }
            if (failed != null) {
                throw new IllegalStateException("writing the rebuilt state failed: " + failed.getMessage(), failed);
            }
        }
    }
}
