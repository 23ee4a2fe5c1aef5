package io.tally.stream;

import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;

/** Names of Tally's topics, as declared in {@code topics/}, and of its state stores. */
public final class TallyTopics {
    public static final String COMMANDS = "tally.commands";
    public static final String TRANSACTIONS = "tally.transactions";
    public static final String REJECTIONS = "tally.rejections";
    public static final String RECORDS = "tally.records";
    /**
     * A header of a command on {@link #COMMANDS} whose producer waits for its committed outcome:
     * the stream commits soon after it instead of at the next commit interval (its value is ignored).
     */
    public static final String SYNC_HEADER = "tally-sync";

    /** The consolidated records, queryable; the query layer reads it under this name. */
    public static final String RECORDS_STORE = "tally-records";
    /** Changes waiting for their record to be created, per record key. */
    public static final String PENDING_STORE = "tally-pending";
    /** Outcomes of client-chosen transaction ids within the dedupe horizon, by period ({@link RememberedTxIds}). */
    public static final String DEDUPE_STORE = "tally-dedupe-periods";
    /**
     * The same by exact time, as versions before the periods wrote them: still read for one
     * horizon after an upgrade, never written.
     */
    public static final String LEGACY_DEDUPE_STORE = "tally-dedupe";
    /** Each task's partial analytics: per bucket, a resource's field and each record's. */
    public static final String ANALYTICS_STORE = "tally-analytics";
    /** Every transaction of each record, by {@link History} key: the audit history the API pages through. */
    public static final String HISTORY_STORE = "tally-history";
    /** Each step's note of a transfer, by {@code <transferId>|source}, {@code |target} or {@code |refund}. */
    public static final String TRANSFERS_STORE = "tally-transfers";

    private TallyTopics() {
    }

    /**
     * The partition the default partitioner gives a record key: where a producer writes its commands,
     * and so where the task that owns the record, its analytics and its published state are.
     */
    public static int partitionOf(String recordKey, int partitionCount) {
        return Utils.toPositive(Utils.murmur2(recordKey.getBytes(StandardCharsets.UTF_8))) % partitionCount;
    }
}
