package io.tally.config;

import java.time.Duration;

/**
 * The REST API of an instance.
 *
 * @param enabled      serve it (the CLI verbs that only talk to Kafka do not)
 * @param host         the interface to listen on
 * @param port         the port; 0 picks a free one
 * @param advertisedHost the host the other instances reach this one at (empty: the listening host,
 *                     or this machine's name when listening on every interface)
 * @param syncTimeout  how long a write waits for Kafka to take its command (then 503) and a sync
 *                     write, in all, for its committed outcome (then 504); also how long the
 *                     producer's {@code send()} may block, unless {@code max.block.ms} is set
 * @param maxBodyBytes the largest request body accepted
 * @param readToken    the bearer token reads must carry (empty: reads are open); the write token reads too
 * @param writeToken   the bearer token writes must carry (empty: writes are open)
 * @param maxThreads   the most threads the server runs requests on; requests past them wait in
 *                     its queue. No request holds one while it waits for its commit, another
 *                     instance or its write to be applied; analytics queries run on threads of
 *                     their own. A write holds one while its body arrives and while the producer
 *                     waits for metadata or buffer room
 */
public record HttpSettings(boolean enabled, String host, int port, String advertisedHost, Duration syncTimeout,
                           int maxBodyBytes, String readToken, String writeToken, int maxThreads) {
    /** Javalin's own default, kept as Tally's. */
    public static final int DEFAULT_MAX_THREADS = 250;
    /** The pool also runs Jetty's acceptor and selector threads (one or more each): fewer leaves few for requests. */
    public static final int LEAST_MAX_THREADS = 8;

    /** The same API without bearer tokens. */
    public HttpSettings(boolean enabled, String host, int port, String advertisedHost, Duration syncTimeout,
                        int maxBodyBytes) {
        this(enabled, host, port, advertisedHost, syncTimeout, maxBodyBytes, "", "", DEFAULT_MAX_THREADS);
    }

    public HttpSettings withTokens(String read, String write) {
        return new HttpSettings(enabled, host, port, advertisedHost, syncTimeout, maxBodyBytes, read, write, maxThreads);
    }

    public HttpSettings withMaxThreads(int threads) {
        return new HttpSettings(enabled, host, port, advertisedHost, syncTimeout, maxBodyBytes, readToken, writeToken, threads);
    }
}
