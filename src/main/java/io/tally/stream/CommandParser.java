package io.tally.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
    private static final Set<String> PROPERTIES = Set.of("op", "resource", "id", "field", "amount", "txId", "at",
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
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(value);
        } catch (JsonProcessingException e) {
            return Result.malformed("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            // Jackson reports some number overflows as runtime exceptions; a poison message must never escape.
            return Result.malformed("not readable as JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            return Result.malformed("a command is a JSON object, got " + (root == null ? "nothing" : root.getNodeType()));
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

    private static Command read(JsonNode root) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!PROPERTIES.contains(name)) {
                throw new Malformed("unknown property '" + name + "'; a command has " + PROPERTIES.stream().sorted().toList());
            }
        }
        String opName = requiredText(root, "op");
        Op op = Op.fromWire(opName).orElseThrow(() -> new Malformed("op must be one of " + OPS + ", got '" + opName + "'"));
        String resource = requiredText(root, "resource");
        if (!RecordKey.validResource(resource)) {
            throw new Malformed("resource '" + resource + "' is not a resource name (lower-case letters, digits, '_', '-')");
        }
        String id = requiredText(root, "id");
        String idProblem = RecordKey.idProblem(id);
        if (idProblem != null) {
            throw new Malformed(idProblem);
        }
        String field = optionalText(root, "field");
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
        String txId = optionalText(root, "txId");
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
    private static TransferLeg transfer(JsonNode root, Op op, String txId) {
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
        String resource = requiredText(leg, "resource");
        if (!RecordKey.validResource(resource)) {
            throw new Malformed(side + ".resource '" + resource + "' is not a resource name");
        }
        String id = requiredText(leg, "id");
        String idProblem = RecordKey.idProblem(id);
        if (idProblem != null) {
            throw new Malformed(side + ".id: " + idProblem);
        }
        String field = requiredText(leg, "field");
        if (!RecordKey.validField(field)) {
            throw new Malformed(side + ".field '" + field + "' is not a field name");
        }
        String transferId = optionalText(root, "transferId");
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
        return node.toString();
    }

    private static String requiredText(JsonNode root, String name) {
        String text = optionalText(root, name);
        if (text == null) {
            throw new Malformed(name + " is missing");
        }
        return text;
    }

    private static String optionalText(JsonNode root, String name) {
        JsonNode node = root.get(name);
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
