package io.tally.stream;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
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
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.tally.ledger.Command;
import io.tally.ledger.Op;
import io.tally.ledger.Transaction;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * The one JSON mapping of Tally's messages. Amounts are written as decimal strings so that no
 * consumer reads them into a {@code double}; numbers are read as exact {@link BigDecimal}s; the
 * producer's {@code meta} object is carried through verbatim.
 */
public final class Json {
    // Before MAPPER, which registers them.
    private static final TransactionWriter TRANSACTION_WRITER = new TransactionWriter();
    private static final RecordWriter RECORD_WRITER = new RecordWriter();

    /** Thread-safe once configured; shared by every serde. */
    public static final ObjectMapper MAPPER = create();

    private Json() {
    }

    /**
     * Jackson's reason a text is not JSON, for the people who sent it: without the names of
     * Jackson's own settings ({@code enable `JsonReadFeature...` to allow}, {@code from
     * `StreamReadConstraints...`}), which mean nothing to them.
     */
    public static String reason(JsonProcessingException error) {
        return JACKSON_NAMES.matcher(String.valueOf(error.getOriginalMessage())).replaceAll("");
    }

    private static final Pattern JACKSON_NAMES = Pattern.compile("[:,]? ?(?:enable|from) `[^`]*`(?: to allow)?");

    private static ObjectMapper create() {
        ObjectMapper mapper = reflective();
        // The two types written per change: generated property access still cost twice this.
        mapper.registerModule(new SimpleModule("tally-ledger")
                .addSerializer(Transaction.class, TRANSACTION_WRITER)
                .addSerializer(io.tally.ledger.RecordState.class, RECORD_WRITER));
        return mapper;
    }

    /** The hand-written serializer of a type, which needs no {@code SerializerProvider}; null for other types. */
    static JsonSerializer<?> handWritten(Class<?> type) {
        if (type == Transaction.class) {
            return TRANSACTION_WRITER;
        }
        return type == io.tally.ledger.RecordState.class ? RECORD_WRITER : null;
    }

    /** The mapping with every type written by reflection; tests hold the hand-written writers to it. */
    static ObjectMapper reflective() {
        ObjectMapper mapper = JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .addModule(new JavaTimeModule())
                .addModule(new BlackbirdModule())
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

    /**
     * A transaction as the mapping would write it by reflection: components in declaration order,
     * nulls left out, amounts as decimal strings, {@code meta} raw.
     */
    static final class TransactionWriter extends JsonSerializer<Transaction> {
        @Override
        public void serialize(Transaction tx, JsonGenerator out, SerializerProvider provider) throws IOException {
            out.writeStartObject();
            string(out, "txId", tx.txId());
            string(out, "resource", tx.resource());
            string(out, "id", tx.id());
            if (tx.op() != null) {
                out.writeStringField("op", tx.op().wireName());
            }
            string(out, "field", tx.field());
            decimal(out, "amount", tx.amount());
            decimal(out, "delta", tx.delta());
            decimal(out, "before", tx.before());
            decimal(out, "after", tx.after());
            out.writeFieldName("values");
            out.writeStartObject();
            for (java.util.Map.Entry<String, BigDecimal> value : tx.values().entrySet()) {
                decimal(out, value.getKey(), value.getValue());
            }
            out.writeEndObject();
            out.writeNumberField("sequence", tx.sequence());
            instant(out, "at", tx.at());
            instant(out, "processedAt", tx.processedAt());
            if (tx.meta() != null) {
                out.writeFieldName("meta");
                out.writeRawValue(tx.meta());
            }
            io.tally.ledger.TransferLeg leg = tx.transfer();
            if (leg != null) {
                out.writeFieldName("transfer");
                out.writeStartObject();
                string(out, "transferId", leg.transferId());
                string(out, "resource", leg.resource());
                string(out, "id", leg.id());
                string(out, "field", leg.field());
                out.writeEndObject();
            }
            out.writeEndObject();
        }
    }

    /** A record's state as the mapping would write it by reflection. */
    static final class RecordWriter extends JsonSerializer<io.tally.ledger.RecordState> {
        @Override
        public void serialize(io.tally.ledger.RecordState state, JsonGenerator out, SerializerProvider provider)
                throws IOException {
            out.writeStartObject();
            string(out, "resource", state.resource());
            string(out, "id", state.id());
            out.writeBooleanField("live", state.live());
            out.writeFieldName("fields");
            out.writeStartObject();
            for (java.util.Map.Entry<String, BigDecimal> field : state.fields().entrySet()) {
                decimal(out, field.getKey(), field.getValue());
            }
            out.writeEndObject();
            instant(out, "created", state.created());
            instant(out, "modified", state.modified());
            out.writeNumberField("changes", state.changes());
            out.writeNumberField("version", state.version());
            out.writeEndObject();
        }
    }

    private static void string(JsonGenerator out, String name, String value) throws IOException {
        if (value != null) {
            out.writeStringField(name, value);
        }
    }

    private static void decimal(JsonGenerator out, String name, BigDecimal value) throws IOException {
        if (value != null) {
            out.writeStringField(name, value.toString());
        }
    }

    private static void instant(JsonGenerator out, String name, java.time.Instant value) throws IOException {
        if (value != null) {
            out.writeStringField(name, InstantWriter.iso(value));
        }
    }

    /** Operations travel by their wire names everywhere: {@code "add"}, as in commands. */
    static final class OpWriter extends JsonSerializer<Op> {
        @Override
        public void serialize(Op op, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(op.wireName());
        }
    }

    /**
     * Instants as {@link java.time.Instant#toString()} writes them (ISO-8601 in UTC, the fraction in
     * groups of three digits), without going through a {@code DateTimeFormatter}: formatting was the
     * costliest part of writing a transaction. Years outside 0000–9999 take the JDK's own path.
     */
    static final class InstantWriter extends JsonSerializer<java.time.Instant> {
        private static final long FIRST_DAY = java.time.LocalDate.of(0, 1, 1).toEpochDay();
        private static final long LAST_DAY = java.time.LocalDate.of(9999, 12, 31).toEpochDay();

        @Override
        public void serialize(java.time.Instant instant, JsonGenerator generator, SerializerProvider provider)
                throws IOException {
            generator.writeString(iso(instant));
        }

        /**
         * Days written lately and their text up to the 'T', in slots by day: most instants fall on
         * a few days (a record's creation and today). Read and replaced without locks: a slot
         * holds an immutable value, and a lost replacement only costs formatting the day again.
         */
        private static final Day[] DAYS = new Day[64];

        private record Day(long epochDay, String text) {
        }

        static String iso(java.time.Instant instant) {
            long day = Math.floorDiv(instant.getEpochSecond(), 86_400);
            if (day < FIRST_DAY || day > LAST_DAY) {
                return instant.toString();
            }
            int slot = (int) (day & (DAYS.length - 1));
            Day known = DAYS[slot];
            if (known == null || known.epochDay() != day) {
                java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day);
                char[] text = new char[11];
                digits(text, 0, date.getYear(), 4);
                text[4] = '-';
                digits(text, 5, date.getMonthValue(), 2);
                text[7] = '-';
                digits(text, 8, date.getDayOfMonth(), 2);
                text[10] = 'T';
                known = new Day(day, new String(text));
                DAYS[slot] = known;
            }
            int second = (int) Math.floorMod(instant.getEpochSecond(), 86_400);
            int nano = instant.getNano();
            char[] text = new char[31];
            known.text().getChars(0, 11, text, 0);
            digits(text, 11, second / 3600, 2);
            text[13] = ':';
            digits(text, 14, second / 60 % 60, 2);
            text[16] = ':';
            digits(text, 17, second % 60, 2);
            int end = 19;
            if (nano != 0) {
                text[end++] = '.';
                if (nano % 1_000_000 == 0) {
                    end = digits(text, end, nano / 1_000_000, 3);
                } else if (nano % 1000 == 0) {
                    end = digits(text, end, nano / 1000, 6);
                } else {
                    end = digits(text, end, nano, 9);
                }
            }
            text[end++] = 'Z';
            return new String(text, 0, end);
        }

        /** Writes {@code value} as {@code width} digits ending before {@code at + width}; returns that end. */
        private static int digits(char[] text, int at, int value, int width) {
            int end = at + width;
            for (int i = end - 1; i >= at; i--) {
                text[i] = (char) ('0' + value % 10);
                value /= 10;
            }
            return end;
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
