package io.tally.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tally.ledger.Command;
import io.tally.ledger.Op;
import io.tally.ledger.RecordKey;
import io.tally.ledger.Rejection;
import io.tally.ledger.RejectionCode;
import io.tally.ledger.TransferLeg;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a command message from {@code tally.commands} strictly, as {@code topics/command.schema.json}
 * describes it. Anything else — not JSON, wrong types, unknown properties, a key that is not the
 * command's {@code resource/id}, too many bytes — becomes a rejection, never an exception, so a
 * poison message cannot stop the stream.
 */
public final class CommandParser {
    private static final List<String> NAMES = List.of("op", "resource", "id", "field", "amount", "txId", "at",
            "meta", "values", "to", "from", "transferId");
    /** Leaves room in a txId for the suffix of the transfer's later steps ({@code :credit}, {@code :refund}). */
    static final int MAX_TRANSFER_ID_LENGTH = RecordKey.MAX_TX_ID_LENGTH - 8;
    private static final String OPS = Arrays.stream(Op.values()).map(Op::wireName).toList().toString();

    private final int maxBytes;

    public CommandParser(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Either a command or the rejection saying why the message is not one. */
    public record Result(Command command, Rejection rejection) {
        static Result malformed(String message) {
            return new Result(null, Rejection.unparsed(RejectionCode.MALFORMED, message));
        }
    }

    public Result parse(String key, byte[] value) {
        if (value == null) {
            return Result.malformed("the message has no value (a tombstone is not a command)");
        }
        if (value.length > maxBytes) {
            return Result.malformed("the message is " + value.length + " bytes, more than the limit of " + maxBytes);
        }
        Properties root;
        try {
            root = Properties.read(value);
        } catch (Malformed e) {
            return Result.malformed(e.getMessage());
        } catch (JsonProcessingException e) {
            return Result.malformed("not valid JSON: " + Json.reason(e));
        } catch (IOException | RuntimeException e) {
            // Jackson reports some number overflows as runtime exceptions; a poison message must never escape.
            return Result.malformed("not readable as JSON: " + e.getMessage());
        }
        try {
            Command command = read(root);
            if (!command.key().equals(key)) {
                return new Result(null, Rejection.of(RejectionCode.WRONG_KEY, "the message key must be '" + command.key()
                        + "' (resource/id), got " + (key == null ? "no key" : "'" + key + "'"), command));
            }
            return new Result(command, null);
        } catch (Malformed e) {
            return Result.malformed(e.getMessage());
        }
    }

    /**
     * A command's top-level properties, read token by token: a tree of the whole message (a map
     * and a node per property) cost more than anything else in reading a command. Nested objects
     * ({@code meta}, {@code values}, {@code to}, {@code from}) are still read as trees. The same
     * parser settings apply as everywhere: duplicate names, nesting depth and number length are
     * refused, and numbers are read as exact decimals.
     */
    private static final class Properties {
        private final JsonNode[] values = new JsonNode[NAMES.size()];
        /** The first name that is not a command's, reported; null while there is none. */
        private String unknown;
        /** Every name that is not a command's, to catch repeats; null while there are none. */
        private Set<String> unknowns;

        static Properties read(byte[] json) throws IOException {
            Properties properties = new Properties();
            try (JsonParser parser = Json.MAPPER.createParser(json)) {
                // Repeated top-level names are caught by their slots below; Jackson's detector (a set
                // per object) cost as much as reading the names. Nested objects turn it back on.
                parser.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
                JsonToken first = parser.nextToken();
                if (first != JsonToken.START_OBJECT) {
                    if (first != null) {
                        // Read to its end first: a broken value is reported as broken JSON.
                        Json.MAPPER.readTree(parser);
                    }
                    throw new Malformed("a command is a JSON object, got " + kind(first));
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken token = parser.nextToken();
                    int slot = NAMES.indexOf(name);
                    if (slot < 0) {
                        if (properties.unknown == null) {
                            properties.unknown = name;
                            properties.unknowns = new java.util.HashSet<>();
                        }
                        // A set: a message may hold thousands of names, and a list would compare each with all.
                        if (!properties.unknowns.add(name)) {
                            throw duplicate(name);
                        }
                        // Read, not skipped: what cannot be read is reported before what is not known.
                        node(parser, token);
                    } else {
                        if (properties.values[slot] != null) {
                            throw duplicate(name);
                        }
                        properties.values[slot] = node(parser, token);
                    }
                }
                if (parser.nextToken() != null) {
                    throw new Malformed("a command is one JSON object; there is more after it");
                }
            }
            if (properties.unknown != null) {
                throw new Malformed("unknown property '" + properties.unknown + "'; a command has "
                        + NAMES.stream().sorted().toList());
            }
            return properties;
        }

        private static JsonNode node(JsonParser parser, JsonToken token) throws IOException {
            return switch (token) {
                case VALUE_STRING -> TextNode.valueOf(parser.getText());
                case VALUE_NULL -> NullNode.getInstance();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> DecimalNode.valueOf(parser.getDecimalValue());
                default -> nested(parser);
            };
        }

        /** An object or array, read as a tree with repeated names refused at every depth. */
        private static JsonNode nested(JsonParser parser) throws IOException {
            // On the value's own context, which its children inherit; the top level's stays without.
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            try {
                return Json.MAPPER.readTree(parser);
            } finally {
                parser.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            }
        }

        /** Worded as Jackson words it for nested objects, so every repeated name reads alike. */
        private static Malformed duplicate(String name) {
            return new Malformed("not valid JSON: Duplicate field '" + name + "'");
        }

        /** The property, or null when absent. */
        JsonNode get(String name) {
            return values[NAMES.indexOf(name)];
        }

        boolean has(String name) {
            return get(name) != null;
        }

        private static String kind(JsonToken token) {
            if (token == null) {
                return "nothing";
            }
            return switch (token) {
                case START_ARRAY -> "ARRAY";
                case VALUE_STRING -> "STRING";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
                case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
                case VALUE_NULL -> "NULL";
                default -> token.name();
            };
        }
    }

    private static Command read(Properties root) {
        String opName = requiredText(root.get("op"), "op");
        Op op = Op.fromWire(opName).orElseThrow(() -> new Malformed("op must be one of " + OPS + ", got '" + opName + "'"));
        String resource = requiredText(root.get("resource"), "resource");
        if (!RecordKey.validResource(resource)) {
            throw new Malformed("resource '" + resource + "' is not a resource name (lower-case letters, digits, '_', '-')");
        }
        String id = requiredText(root.get("id"), "id");
        String idProblem = RecordKey.idProblem(id);
        if (idProblem != null) {
            throw new Malformed(idProblem);
        }
        String field = optionalText(root.get("field"), "field");
        if (op.touchesField() && field == null) {
            throw new Malformed(op.wireName() + " needs a field");
        }
        if (!op.touchesField() && field != null) {
            throw new Malformed(op.wireName() + " takes no field" + (op == Op.CREATE ? "; give initial values in 'values'" : ""));
        }
        if (field != null && !RecordKey.validField(field)) {
            throw new Malformed("field '" + field + "' is not a field name (letters, digits, '_', dot paths)");
        }
        String amount = amount(root.get("amount"), "amount");
        if (!op.touchesField() && amount != null) {
            throw new Malformed(op.wireName() + " takes no amount");
        }
        String txId = optionalText(root.get("txId"), "txId");
        if (txId != null && !RecordKey.validTxId(txId)) {
            throw new Malformed("txId must be 1 to " + RecordKey.MAX_TX_ID_LENGTH
                    + " characters of letters, digits, '.', '_', ':' and '-'");
        }
        Map<String, String> values = values(root.get("values"), op);
        return new Command(op, resource, id, field, amount, txId, txId != null, at(root.get("at")), meta(root.get("meta")),
                values, transfer(root, op, txId));
    }

    /**
     * The other side of a transfer step: {@code to} on a transfer and a refund, {@code from} on a
     * credit, and on the steps Tally sends itself the {@code transferId} they belong to.
     */
    private static TransferLeg transfer(Properties root, Op op, String txId) {
        if (!op.transferStep()) {
            for (String name : List.of("to", "from", "transferId")) {
                if (root.has(name)) {
                    throw new Malformed(op.wireName() + " takes no " + name + "; only transfers do");
                }
            }
            return null;
        }
        String side = op == Op.TRANSFER_CREDIT ? "from" : "to";
        String other = op == Op.TRANSFER_CREDIT ? "to" : "from";
        if (root.has(other)) {
            throw new Malformed(op.wireName() + " takes '" + side + "', not '" + other + "'");
        }
        JsonNode leg = root.get(side);
        if (leg == null || !leg.isObject()) {
            throw new Malformed(op.wireName() + " needs '" + side + "': {\"resource\", \"id\", \"field\"}");
        }
        for (Iterator<String> names = leg.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("resource", "id", "field").contains(name)) {
                throw new Malformed(side + " has unknown property '" + name + "'; it takes resource, id and field");
            }
        }
        String resource = requiredText(leg.get("resource"), "resource");
        if (!RecordKey.validResource(resource)) {
            throw new Malformed(side + ".resource '" + resource + "' is not a resource name");
        }
        String id = requiredText(leg.get("id"), "id");
        String idProblem = RecordKey.idProblem(id);
        if (idProblem != null) {
            throw new Malformed(side + ".id: " + idProblem);
        }
        String field = requiredText(leg.get("field"), "field");
        if (!RecordKey.validField(field)) {
            throw new Malformed(side + ".field '" + field + "' is not a field name");
        }
        String transferId = optionalText(root.get("transferId"), "transferId");
        if (op == Op.TRANSFER) {
            if (transferId != null) {
                throw new Malformed("a transfer's id is its txId; transferId is for the steps Tally sends itself");
            }
            if (txId != null && txId.length() > MAX_TRANSFER_ID_LENGTH) {
                throw new Malformed("a transfer's txId is at most " + MAX_TRANSFER_ID_LENGTH + " characters");
            }
        } else if (transferId == null || !RecordKey.validTxId(transferId)) {
            throw new Malformed(op.wireName() + " needs the transferId it is a step of");
        }
        return new TransferLeg(transferId, resource, id, field);
    }

    private static String amount(JsonNode node, String name) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.decimalValue().toString();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        throw new Malformed(name + " must be a JSON number or a string holding a decimal, got " + node.getNodeType());
    }

    private static Map<String, String> values(JsonNode node, Op op) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (op != Op.CREATE) {
            throw new Malformed("only create takes values");
        }
        if (!node.isObject()) {
            throw new Malformed("values must be an object of field names to amounts");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = fields.next();
            if (!RecordKey.validField(entry.getKey())) {
                throw new Malformed("values: '" + entry.getKey() + "' is not a field name");
            }
            String amount = amount(entry.getValue(), "values." + entry.getKey());
            if (amount == null) {
                throw new Malformed("values." + entry.getKey() + " must not be null");
            }
            values.put(entry.getKey(), amount);
        }
        return values;
    }

    private static Instant at(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new Malformed("at must be an ISO-8601 instant such as 2025-10-09T14:30:00Z");
        }
        try {
            return OffsetDateTime.parse(node.textValue()).toInstant();
        } catch (DateTimeParseException e) {
            throw new Malformed("at must be an ISO-8601 instant with an offset such as 2025-10-09T14:30:00Z, got '"
                    + node.textValue() + "'");
        }
    }

    private static String meta(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new Malformed("meta must be a JSON object");
        }
        String meta = node.toString();
        int unpaired = unpairedSurrogate(meta);
        if (unpaired >= 0) {
            // Transactions carry meta as it came; JSON cannot carry half a character to their readers.
            throw new Malformed(String.format("meta holds text that is not valid Unicode: an unpaired surrogate "
                    + "\\u%04x (a character outside the Basic Multilingual Plane is two \\u escapes, a pair)",
                    (int) meta.charAt(unpaired)));
        }
        return meta;
    }

    /** Where the first surrogate without its other half is, or -1. */
    static int unpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static String requiredText(JsonNode node, String name) {
        String text = optionalText(node, name);
        if (text == null) {
            throw new Malformed(name + " is missing");
        }
        return text;
    }

    private static String optionalText(JsonNode node, String name) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new Malformed(name + " must be a string, got " + node.getNodeType());
        }
        return node.textValue();
    }

    /** Control flow inside the parser only; never escapes {@link #parse}. */
    private static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
