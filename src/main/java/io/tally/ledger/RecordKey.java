package io.tally.ledger;

/**
 * The Kafka key of a record, {@code resource/id}, and the rules for the names it is made of.
 * Resource names are lower-case identifiers; ids are any printable text without '/' or spaces,
 * so Unicode ids work but keys stay unambiguous.
 */
public final class RecordKey {
    public static final int MAX_ID_LENGTH = 200;
    public static final int MAX_TX_ID_LENGTH = 128;

    /** Names are checked once per command; these loops cost a tenth of the regular expressions they replace. */
    private static final int MAX_NAME_LENGTH = 64;
    private static final int MAX_FIELD_DEPTH = 8;

    private RecordKey() {
    }

    public static String of(String resource, String id) {
        return resource + "/" + id;
    }

    /** {@code [a-z][a-z0-9_-]{0,63}} */
    public static boolean validResource(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || !lower(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!lower(c) && !digit(c) && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** Up to eight names joined by '.', each {@code [A-Za-z_][A-Za-z0-9_]{0,63}}. */
    public static boolean validField(String name) {
        if (name == null) {
            return false;
        }
        int segments = 0;
        int start = 0;
        while (true) {
            int end = name.indexOf('.', start);
            if (end < 0) {
                end = name.length();
            }
            if (++segments > MAX_FIELD_DEPTH || !identifier(name, start, end)) {
                return false;
            }
            if (end == name.length()) {
                return true;
            }
            start = end + 1;
        }
    }

    /** {@code [A-Za-z0-9._:-]{1,128}} */
    public static boolean validTxId(String txId) {
        if (txId == null || txId.isEmpty() || txId.length() > MAX_TX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < txId.length(); i++) {
            char c = txId.charAt(i);
            if (!letter(c) && !digit(c) && c != '.' && c != '_' && c != ':' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean identifier(String name, int start, int end) {
        if (end == start || end - start > MAX_NAME_LENGTH || !(letter(name.charAt(start)) || name.charAt(start) == '_')) {
            return false;
        }
        for (int i = start + 1; i < end; i++) {
            char c = name.charAt(i);
            if (!letter(c) && !digit(c) && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean lower(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean letter(char c) {
        return lower(c) || c >= 'A' && c <= 'Z';
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
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
