package io.tally.stream;

/** Names of Tally's topics, as declared in {@code topics/}, and of its state stores. */
public final class TallyTopics {
    public static final String COMMANDS = "tally.commands";
    public static final String TRANSACTIONS = "tally.transactions";
    public static final String REJECTIONS = "tally.rejections";
    public static final String RECORDS = "tally.records";

    /** The consolidated records, queryable; the query layer reads it under this name. */
    public static final String RECORDS_STORE = "tally-records";
    /** Changes waiting for their record to be created, per record key. */
    public static final String PENDING_STORE = "tally-pending";
    /** Outcomes of client-chosen transaction ids within the dedupe horizon. */
    public static final String DEDUPE_STORE = "tally-dedupe";

    private TallyTopics() {
    }
}
