package io.tally.config;

/** A configuration that cannot be used; the message names the key and what is wrong with it. */
public final class SettingsException extends RuntimeException {
    public SettingsException(String key, String problem) {
        super(key + ": " + problem);
    }
}
