package io.tally.ledger;

import java.util.regex.Pattern;

/**
 * The Kafka key of a record, {@code resource/id}, and the rules for the names it is made of.
 * Resource names are lower-case identifiers; ids are any printable text without '/' or spaces,
 * so Unicode ids work but keys stay unambiguous.
 */
public final class RecordKey {
    public static final int MAX_ID_LENGTH = 200;
    public static final int MAX_TX_ID_LENGTH = 128;

    private static final Pattern RESOURCE = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}");
    private static final Pattern TX_ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_TX_ID_LENGTH + "}");

    private RecordKey() {
    }

    public static String of(String resource, String id) {
        return resource + "/" + id;
    }

    public static boolean validResource(String name) {
        return name != null && RESOURCE.matcher(name).matches();
    }

    public static boolean validField(String name) {
        return name != null && FIELD.matcher(name).matches();
    }

    public static boolean validTxId(String txId) {
        return txId != null && TX_ID.matcher(txId).matches();
    }

    /** Why an id is unusable, or null when it is fine. */
    public static String idProblem(String id) {
        if (id == null || id.isEmpty()) {
            return "id must not be empty";
        }
        if (id.length() > MAX_ID_LENGTH) {
            return "id is longer than " + MAX_ID_LENGTH + " characters";
        }
        for (int i = 0; i < id.length(); ) {
            int c = id.codePointAt(i);
            if (c == '/' || Character.isWhitespace(c) || Character.isISOControl(c)
                    || Character.getType(c) == Character.SURROGATE || Character.getType(c) == Character.UNASSIGNED) {
                return "id contains a character that is not allowed (slash, space, control or unpaired surrogate)";
            }
            i += Character.charCount(c);
        }
        return null;
    }
}
