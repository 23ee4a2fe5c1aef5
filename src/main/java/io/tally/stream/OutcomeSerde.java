package io.tally.stream;

import io.tally.ledger.RejectionCode;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The dedupe periods' values in a few bytes ({@link RememberedTxIds}): every command carrying a
 * client transaction id remembers one outcome, and writing it as JSON cost a generator per command
 * (3% of the stream thread by profile). Layout: a version byte (1), then {@code A} and the sequence
 * as eight bytes, {@code R} and the rejection code's name in UTF-8, or {@code P}. Only the periods
 * hold this form: the store of earlier versions ({@link TallyTopics#LEGACY_DEDUPE_STORE}) keeps its
 * JSON, which those versions read.
 */
final class OutcomeSerde implements Serde<Outcome>, Serializer<Outcome>, Deserializer<Outcome> {
    private static final byte VERSION = 1;

    @Override
    public byte[] serialize(String topic, Outcome outcome) {
        if (outcome == null) {
            return null;
        }
        return switch (outcome.kind()) {
            case APPLIED -> ByteBuffer.allocate(10).put(VERSION).put((byte) 'A').putLong(outcome.sequence()).array();
            case PENDING -> new byte[] {VERSION, 'P'};
            case REJECTED -> {
                byte[] code = outcome.code().name().getBytes(StandardCharsets.UTF_8);
                yield ByteBuffer.allocate(2 + code.length).put(VERSION).put((byte) 'R').put(code).array();
            }
        };
    }

    @Override
    public Outcome deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < 2 || data[0] != VERSION) {
            throw new SerializationException("an outcome in " + topic + " of unknown version or truncated");
        }
        return switch (data[1]) {
            case 'A' -> {
                if (data.length != 10) {
                    throw new SerializationException("an applied outcome in " + topic + " of " + data.length + " bytes, not 10");
                }
                yield Outcome.applied(ByteBuffer.wrap(data, 2, 8).getLong());
            }
            case 'P' -> Outcome.pending();
            case 'R' -> {
                String code = new String(data, 2, data.length - 2, StandardCharsets.UTF_8);
                try {
                    yield Outcome.rejected(RejectionCode.valueOf(code));
                } catch (IllegalArgumentException e) {
                    throw new SerializationException("an outcome in " + topic + " with an unknown rejection code " + code, e);
                }
            }
            default -> throw new SerializationException("an outcome in " + topic + " of unknown kind " + data[1]);
        };
    }

    // Serde, Serializer and Deserializer each default these: the class must choose.
    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void close() {
    }

    @Override
    public Serializer<Outcome> serializer() {
        return this;
    }

    @Override
    public Deserializer<Outcome> deserializer() {
        return this;
    }
}
