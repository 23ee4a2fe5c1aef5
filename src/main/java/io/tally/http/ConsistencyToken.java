package io.tally.http;



/**
 * Read-your-writes: a write's place on {@code tally.commands}, {@code <partition>:<offset>}. A
 * read of the record that passes it ({@code ?consistency=}) is answered only once the owner has
 * applied the command at that offset, waiting up to the sync timeout (or {@code waitMs}), or gets
 * 503 {@code NOT_YET_APPLIED}.
 */
record ConsistencyToken(int partition, long offset) {
    static final String HEADER = "Tally-Consistency-Token";
    static final String PARAMETER = "consistency";

    static ConsistencyToken parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        try {
            if (colon > 0) {
                ConsistencyToken token = new ConsistencyToken(Integer.parseInt(text.substring(0, colon)),
                        Long.parseLong(text.substring(colon + 1)));
                if (token.partition >= 0 && token.offset >= 0) {
                    return token;
                }
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest(PARAMETER + " must be the " + HEADER + " of a write, e.g. 3:1042, got '" + text + "'");
    }

    /** How long a read waits for its token: {@code waitMs} if given, at most (and by default) the sync timeout. */
    static java.time.Duration wait(String waitMs, java.time.Duration most) {
        if (waitMs == null) {
            return most;
        }
        try {
            long millis = Long.parseLong(waitMs);
            if (millis >= 0) {
                return java.time.Duration.ofMillis(Math.min(millis, most.toMillis()));
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("waitMs must be a whole number of milliseconds, got '" + waitMs + "'");
    }

    @Override
    public String toString() {
        return partition + ":" + offset;
    }
}
