package io.tally.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.tally.ledger.Transaction;
import io.tally.metrics.TallyMetrics;
import io.tally.stream.Json;
import io.tally.stream.RejectionRecord;
import io.tally.stream.TallyTopics;
import io.tally.stream.TallyTopology;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What became of a command, as committed: a consumer reading {@code tally.transactions} and
 * {@code tally.rejections} with read_committed completes the writes waiting on a record's transaction id.
 * It starts at the end of both topics, so only writes made after it started are answered; a
 * "sync" write is therefore acknowledged only after the Kafka transaction holding its result has
 * committed (DESIGN.md decision 6).
 */
final class CommittedOutcomes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedOutcomes.class);

    /** A committed transaction or rejection. */
    sealed interface Outcome permits Applied, Refused {
    }

    /**
     * A committed transaction as its bytes on {@code tally.transactions}: a sync write answers with
     * them as they are, so the outcome is neither decoded nor written again on its way.
     */
    record Applied(byte[] json) implements Outcome {
        /** The transaction as a JSON tree, amounts exact. */
        JsonNode tree() {
            try {
                return Json.MAPPER.readTree(json);
            } catch (IOException e) {
                throw new UncheckedIOException("a committed transaction is not JSON", e);
            }
        }
    }

    record Refused(RejectionRecord rejection) implements Outcome {
    }

    /**
     * A write waiting for its outcome. A transaction id is unique per record (the ledger remembers
     * it per record), so two writes to different records may carry the same one: each waits for
     * its own record's outcome.
     */
    private record Awaited(String recordKey, String txId) {
    }

    private final Map<Awaited, CompletableFuture<Outcome>> waiting = new ConcurrentHashMap<>();
    private final List<Consumer<Transaction>> watchers = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final CountDownLatch positioned = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile String stopped;

    /** @param client the Kafka client configuration (servers and security) */
    CommittedOutcomes(Map<String, Object> client) {
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The broker answers a waiting read_committed fetch as soon as a commit's markers move the
        // end it may read to, so the wait bounds only how often an idle reader asks: every 20 ms
        // cost an idle instance 2–4% of a core in empty fetches, and answered no sooner under load
        // (docs/BENCHMARKS.md, sixteenth round).
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::run, "tally-outcomes");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!positioned.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not start reading " + TallyTopics.TRANSACTIONS + " within 60s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    /** Exports the reader's consumer metrics (its fetch latency and lag among them) on {@code /metrics}. */
    void exportMetrics(TallyMetrics metrics) {
        metrics.bind(consumer);
    }

    /**
     * Registers interest in the outcome of transaction {@code txId} of the record {@code recordKey}
     * ({@code resource/id}); call before producing the command so no outcome is missed.
     */
    CompletableFuture<Outcome> expect(String recordKey, String txId) {
        return waiting.computeIfAbsent(new Awaited(recordKey, txId), awaited -> new CompletableFuture<>());
    }

    void forget(String recordKey, String txId) {
        waiting.remove(new Awaited(recordKey, txId));
    }

    /** Calls {@code watcher} with every transaction committed from now on, on the reading thread, until unwatched. */
    void watch(Consumer<Transaction> watcher) {
        watchers.add(watcher);
    }

    void unwatch(Consumer<Transaction> watcher) {
        watchers.remove(watcher);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(TallyTopics.TRANSACTIONS, TallyTopics.REJECTIONS)) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            positioned.countDown();
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        complete(record);
                    } catch (RuntimeException e) {
                        // Anyone may produce to these topics: one value that does not read must not
                        // stop the answers to every other write.
                        LOG.warn("skipped an unreadable value on {}-{} at offset {} ({}); a sync write waiting on it "
                                + "is answered when it times out", record.topic(), record.partition(), record.offset(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            stopped = e.toString();
            LOG.error("stopped reading committed outcomes; sync writes will time out", e);
        } finally {
            if (running && stopped == null) {
                // An Error (from a watcher, say) ends the thread past the catch above.
                stopped = "the reading thread ended unexpectedly";
                LOG.error("stopped reading committed outcomes; sync writes will time out");
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Why the reader stopped, or null while it reads or after {@link #close()}: once stopped, no
     * sync write of this instance is answered before it times out.
     */
    String stopped() {
        return stopped;
    }

    private void complete(ConsumerRecord<String, byte[]> record) {
        if ((waiting.isEmpty() && watchers.isEmpty()) || record.value() == null) {
            return;
        }
        boolean transaction = record.topic().equals(TallyTopics.TRANSACTIONS);
        if (!transaction || watchers.isEmpty()) {
            // Every instance reads every outcome of the deployment, and most are some other
            // instance's writes: the id alone decides whether the whole value is needed.
            String txId = txId(record.value());
            CompletableFuture<Outcome> future = txId == null ? null : waiting.remove(new Awaited(record.key(), txId));
            if (future != null) {
                future.complete(transaction
                        ? new Applied(record.value())
                        : new Refused(TallyTopology.REJECTION_SERDE.deserialize(record.topic(), record.value())));
            }
            return;
        }
        Transaction applied = TallyTopology.TRANSACTION_SERDE.deserialize(record.topic(), record.value());
        for (Consumer<Transaction> watcher : watchers) {
            try {
                watcher.accept(applied);
            } catch (RuntimeException e) {
                LOG.warn("a change watcher failed and was dropped: {}", e.toString());
                watchers.remove(watcher);
            }
        }
        CompletableFuture<Outcome> future = applied.txId() == null ? null
                : waiting.remove(new Awaited(record.key(), applied.txId()));
        if (future != null) {
            future.complete(new Applied(record.value()));
        }
    }

    /**
     * The top-level {@code txId} of a transaction or rejection, read without decoding the rest;
     * null when it has none or the value is not a JSON object.
     */
    static String txId(byte[] value) {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean wanted = "txId".equals(parser.currentName());
                JsonToken token = parser.nextToken();
                if (wanted) {
                    return token == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
