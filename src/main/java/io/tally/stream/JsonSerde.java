package io.tally.stream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;

/** A serde of one message type in Tally's JSON mapping ({@link Json}). A null value is a tombstone. */
public final class JsonSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private final JavaType type;
    // Bound once: looking the (de)serializer up by type on every record costs as much as the JSON.
    private final ObjectReader reader;
    private final ObjectWriter writer;
    /** The hand-written serializer of the type, written straight to a generator; null for the others. */
    private final JsonSerializer<T> direct;

    @SuppressWarnings("unchecked")
    private JsonSerde(JavaType type) {
        this.type = type;
        this.reader = Json.MAPPER.readerFor(type);
        this.writer = Json.MAPPER.writerFor(type);
        this.direct = (JsonSerializer<T>) Json.handWritten(type.getRawClass());
    }

    public static <T> JsonSerde<T> of(Class<T> type) {
        return new JsonSerde<>(Json.MAPPER.constructType(type));
    }

    public static <T> JsonSerde<T> of(com.fasterxml.jackson.core.type.TypeReference<T> type) {
        return new JsonSerde<>(Json.MAPPER.getTypeFactory().constructType(type));
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            if (direct != null) {
                // Without the ObjectWriter's per-call provider and lookups: a third of writing a transaction.
                ByteArrayBuilder bytes = new ByteArrayBuilder(512);
                try (JsonGenerator out = Json.MAPPER.getFactory().createGenerator(bytes)) {
                    direct.serialize(data, out, null);
                }
                return bytes.toByteArray();
            }
            return writer.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + type + " as JSON", e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return reader.readValue(data);
        } catch (IOException e) {
            throw new SerializationException("cannot read " + type + " from " + topic, e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void close() {
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
