package io.tally.stream;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.tally.ledger.Command;
import io.tally.ledger.Op;
import io.tally.ledger.Transaction;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * The one JSON mapping of Tally's messages. Amounts are written as decimal strings so that no
 * consumer reads them into a {@code double}; numbers are read as exact {@link BigDecimal}s; the
 * producer's {@code meta} object is carried through verbatim.
 */
public final class Json {
    /** Thread-safe once configured; shared by every serde. */
    public static final ObjectMapper MAPPER = create();

    private Json() {
    }

    private static ObjectMapper create() {
        ObjectMapper mapper = JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .addModule(new JavaTimeModule())
                .addModule(new SimpleModule("tally-ops")
                        .addSerializer(java.time.Instant.class, new InstantWriter())
                        .addSerializer(Op.class, new OpWriter())
                        .addDeserializer(Op.class, new OpReader()))
                .addMixIn(Command.class, RawMeta.class)
                .addMixIn(Transaction.class, RawMeta.class)
                .build();
        mapper.configOverride(BigDecimal.class).setFormat(JsonFormat.Value.forShape(JsonFormat.Shape.STRING));
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxNumberLength(100).build());
        return mapper;
    }

    /** Operations travel by their wire names everywhere: {@code "add"}, as in commands. */
    static final class OpWriter extends JsonSerializer<Op> {
        @Override
        public void serialize(Op op, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(op.wireName());
        }
    }

    /**
     * Instants as {@link java.time.Instant#toString()} writes them (ISO-8601, UTC), remembering the
     * last one: a busy stream writes the same processing and event times many times over, and
     * formatting is the costliest part of writing a transaction.
     */
    static final class InstantWriter extends JsonSerializer<java.time.Instant> {
        private record Formatted(java.time.Instant instant, String text) {
        }

        /** Shared by every thread; a stale or lost entry only costs a formatting. */
        private volatile Formatted last = new Formatted(java.time.Instant.EPOCH, java.time.Instant.EPOCH.toString());

        @Override
        public void serialize(java.time.Instant instant, JsonGenerator generator, SerializerProvider provider)
                throws IOException {
            Formatted formatted = last;
            if (!formatted.instant().equals(instant)) {
                formatted = new Formatted(instant, instant.toString());
                last = formatted;
            }
            generator.writeString(formatted.text());
        }
    }

    static final class OpReader extends JsonDeserializer<Op> {
        @Override
        public Op deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String name = parser.getValueAsString();
            return Op.fromWire(name == null ? null : name.toLowerCase(java.util.Locale.ROOT))
                    .orElseThrow(() -> context.weirdStringException(name, Op.class, "not an operation"));
        }
    }

    /** Writes {@code meta} as the JSON object it was, and reads it back as text. */
    abstract static class RawMeta {
        @JsonRawValue
        @JsonDeserialize(using = RawJsonText.class)
        abstract String meta();
    }

    static final class RawJsonText extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            return MAPPER.writeValueAsString(parser.readValueAsTree());
        }
    }
}
