package io.tally.config;

import java.time.Duration;

/**
 * The REST API of an instance.
 *
 * @param enabled      serve it (the CLI verbs that only talk to Kafka do not)
 * @param host         the interface to listen on
 * @param port         the port; 0 picks a free one
 * @param syncTimeout  how long a sync write waits for its committed outcome before answering 504
 * @param maxBodyBytes the largest request body accepted
 */
public record HttpSettings(boolean enabled, String host, int port, Duration syncTimeout, int maxBodyBytes) {
}
