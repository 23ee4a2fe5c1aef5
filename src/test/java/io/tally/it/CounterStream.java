package io.tally.it;

import io.tally.stream.TallyTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A known stream of counter adds (txIds {@code f-0 … f-N}) sent at a steady pace by a producer
 * thread, as a client would send them: a send that fails is sent again with the same txId, and a
 * share of the commands already acknowledged is deliberately sent a second time. The test lets it
 * run up to a limit ({@link #allow}) so faults always happen while commands flow.
 */
final class CounterStream implements AutoCloseable {
    static final String[] FIELDS = {"stats.clicks", "stats.views"};
    private static final long TICK_MILLIS = 20;

    /** One command of the stream. */
    record Add(int index, String counter, String field, int amount) {
        String txId() {
            return "f-" + index;
        }

        String json() {
            return "{\"op\":\"add\",\"resource\":\"counters\",\"id\":\"" + counter + "\",\"field\":\"" + field
                    + "\",\"amount\":\"" + amount + "\",\"txId\":\"" + txId() + "\"}";
        }
    }

    private final List<Add> adds = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final int perTick;
    private final int resendEvery;
    private final Random random = new Random(1);
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "counter-stream");
        thread.setDaemon(true);
        return thread;
    });

    private final AtomicInteger allowed = new AtomicInteger();
    private int next;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger retriesSent = new AtomicInteger();
    private final Queue<Integer> retries = new ConcurrentLinkedQueue<>();
    /** Originals acknowledged and not resent yet: where a deliberate resend is picked from. */
    private final List<Integer> resendable = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> resent = Collections.synchronizedList(new ArrayList<>());
    private volatile Throwable broken;

    /**
     * @param commands    how many adds: one to each of {@code counters} counters, then the rest spread
     *                    at random over them and both fields
     * @param perSecond   the pace of new commands
     * @param resendEvery after every so many new commands, one acknowledged earlier command is sent again
     */
    CounterStream(String bootstrap, int commands, int counters, int perSecond, int resendEvery) {
        Random amounts = new Random(42);
        for (int i = 0; i < commands; i++) {
            // The first command of each counter comes first, so every counter exists early on.
            int counter = i < counters ? i : amounts.nextInt(counters);
            adds.add(new Add(i, "c" + counter, FIELDS[amounts.nextInt(FIELDS.length)], 1 + amounts.nextInt(9)));
        }
        this.perTick = Math.max(1, (int) (perSecond * TICK_MILLIS / 1000));
        this.resendEvery = resendEvery;
        // Short timeouts so that sends made while the broker is down fail (and are retried by this
        // class, like a client would) instead of waiting in the producer for two minutes.
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000), new StringSerializer(), new ByteArraySerializer());
    }

    void start() {
        sender.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Lets the stream send its commands up to (not including) {@code index}. */
    void allow(int index) {
        allowed.set(Math.min(index, adds.size()));
    }

    List<Add> adds() {
        return adds;
    }

    /** New commands handed to the producer so far (retries and resends not counted). */
    int sent() {
        return Math.min(nextVolatile(), adds.size());
    }

    int failures() {
        return failures.get();
    }

    int retriesSent() {
        return retriesSent.get();
    }

    /** Indexes of the commands deliberately sent a second time. */
    List<Integer> resent() {
        synchronized (resent) {
            return List.copyOf(resent);
        }
    }

    /** Every command sent and acknowledged, every failed send retried until acknowledged. */
    boolean finished() {
        if (broken != null) {
            throw new AssertionError("the producer thread failed", broken);
        }
        return sent() == adds.size() && retries.isEmpty() && inFlight.get() == 0;
    }

    /** Per counter, per field: the sum of the amounts of every command of the stream. */
    Map<String, Map<String, BigDecimal>> expectedTotals() {
        Map<String, Map<String, BigDecimal>> totals = new TreeMap<>();
        for (Add add : adds) {
            totals.computeIfAbsent(add.counter(), c -> new TreeMap<>())
                    .merge(add.field(), BigDecimal.valueOf(add.amount()), BigDecimal::add);
        }
        return totals;
    }

    @Override
    public void close() {
        sender.shutdownNow();
        try {
            sender.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(5));
    }

    private synchronized int nextVolatile() {
        return next;
    }

    private void tick() {
        try {
            for (Integer retry = retries.poll(); retry != null; retry = retries.poll()) {
                retriesSent.incrementAndGet();
                send(retry, false);
            }
            for (int i = 0; i < perTick; i++) {
                int index;
                synchronized (this) {
                    if (next >= allowed.get()) {
                        return;
                    }
                    index = next++;
                }
                send(index, true);
                if (index % resendEvery == resendEvery - 1) {
                    resendOne();
                }
            }
        } catch (RuntimeException | Error e) {
            // A scheduled task that throws is never run again: keep the failure for finished().
            broken = e;
            throw e;
        }
    }

    private void resendOne() {
        Integer chosen;
        synchronized (resendable) {
            if (resendable.isEmpty()) {
                return;
            }
            int at = random.nextInt(resendable.size());
            chosen = resendable.get(at);
            resendable.set(at, resendable.get(resendable.size() - 1));
            resendable.remove(resendable.size() - 1);
        }
        resent.add(chosen);
        send(chosen, false);
    }

    private void send(int index, boolean original) {
        Add add = adds.get(index);
        inFlight.incrementAndGet();
        try {
            producer.send(new ProducerRecord<>(TallyTopics.COMMANDS, "counters/" + add.counter(),
                    add.json().getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                        if (error != null) {
                            failures.incrementAndGet();
                            retries.add(index);
                        } else if (original) {
                            resendable.add(index);
                        }
                        inFlight.decrementAndGet();
                    });
        } catch (RuntimeException e) {
            // The send did not even reach the producer's buffer (broker away too long): try again later.
            failures.incrementAndGet();
            retries.add(index);
            inFlight.decrementAndGet();
        }
    }
}
