package io.tally.cli;

import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The benchmark's commands: every wallet is created first, then a mix of deposits (70%),
 * withdrawals (20%, some refused below zero) and counter increments (10%); half carry a client
 * transaction id so the dedupe path is measured too, and one in fifty a late event time within
 * the past year (backfills and corrections) so the analytics fill a year of buckets while most
 * changes land in the current ones, as they do in a live ledger. Seeded, so runs are comparable.
 */
final class Workload {
    private static final long SEED = 20251009L;
    private static final long YEAR_MS = 365L * 24 * 3600 * 1000;

    private Workload() {
    }

    record Counts(long transactions, long rejections) {
    }

    /** Sends the workload; fails if any command could not be written, since the counts would then be wrong. */
    static void produce(String bootstrap, int commands, int records, Progress progress) {
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        SplittableRandom random = new SplittableRandom(SEED);
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < commands; i++) {
                Keyed command = i < records ? create(i) : change(random, records, i, now);
                producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, command.key(), command.json()), (sent, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
                if (i % 10_000 == 0) {
                    progress.update(i);
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the workload could not be produced: " + failure.get().getMessage(), failure.get());
        }
    }

    private record Keyed(String key, String json) {
    }

    private static Keyed create(int index) {
        return new Keyed("wallets/w" + index, "{\"op\":\"create\",\"resource\":\"wallets\",\"id\":\"w" + index + "\",\"values\":{\"balance\":\"100.00\"}}");
    }

    private static Keyed change(SplittableRandom random, int records, int index, long now) {
        int roll = random.nextInt(100);
        String extra = index % 2 == 0 ? ",\"txId\":\"bench-" + index + "\"" : "";
        if (index % 50 == 1) {
            extra += ",\"at\":\"" + java.time.Instant.ofEpochMilli(now - random.nextLong(YEAR_MS)) + "\"";
        }
        if (roll >= 90) {
            String id = "c" + random.nextInt(records);
            return new Keyed("counters/" + id, "{\"op\":\"increment\",\"resource\":\"counters\",\"id\":\"" + id
                    + "\",\"field\":\"stats.clicks\"" + extra + "}");
        }
        String op = roll < 70 ? "add" : "sub";
        String amount = random.nextInt(1, 10_000) / 100 + "." + String.format("%02d", random.nextInt(100));
        String id = "w" + random.nextInt(records);
        return new Keyed("wallets/" + id, "{\"op\":\"" + op + "\",\"resource\":\"wallets\",\"id\":\"" + id
                + "\",\"field\":\"balance\",\"amount\":\"" + amount + "\"" + extra + "}");
    }

    /**
     * The limit Tally is compared with: a plain consumer (no Streams, no state, no transactions)
     * reading every pre-produced command and parsing it as the ledger does. Answers commands per second.
     */
    static double plainConsumerLimit(String bootstrap, long commands, int maxCommandBytes) {
        io.tally.stream.CommandParser parser = new io.tally.stream.CommandParser(maxCommandBytes);
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config,
                new org.apache.kafka.common.serialization.StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(TallyTopics.COMMANDS).stream()
                    .map(p -> new TopicPartition(TallyTopics.COMMANDS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long start = System.nanoTime();
            long deadline = start + Duration.ofMinutes(10).toNanos();
            long read = 0;
            long parsed = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the plain consumer read only " + read + " of " + commands
                            + " commands in 10 minutes");
                }
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    read++;
                    if (parser.parse(record.key(), record.value()).command() != null) {
                        parsed++;
                    }
                }
            }
            if (parsed == 0) {
                throw new IllegalStateException("the plain consumer parsed none of the commands");
            }
            return read / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Reads the committed audit log and rejections to the end: every command must be in exactly one. */
    static Counts countOutputs(String bootstrap) {
        return new Counts(count(bootstrap, TallyTopics.TRANSACTIONS), count(bootstrap, TallyTopics.REJECTIONS));
    }

    private static long count(String bootstrap, String topic) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long count = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                count += consumer.poll(Duration.ofMillis(500)).count();
            }
            return count;
        }
    }
}
