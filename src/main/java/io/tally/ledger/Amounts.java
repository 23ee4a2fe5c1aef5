package io.tally.ledger;

import java.math.BigDecimal;

/**
 * Exact decimal amounts. A field holds at most {@link #MAX_DIGITS} significant digits at its scale
 * (like SQL {@code DECIMAL(38, scale)}); text is parsed straight into {@link BigDecimal}, never
 * through {@code double}, and anything that would need rounding is refused rather than rounded.
 */
public final class Amounts {
    public static final int MAX_DIGITS = 38;
    /** Longer text cannot be a valid amount; refusing it early keeps hostile input cheap. */
    private static final int MAX_TEXT_LENGTH = 80;

    private Amounts() {
    }

    /** The parsed amount at {@code scale}, or the reason it is not one. */
    public sealed interface Parsed permits Exact, Invalid {
    }

    public record Exact(BigDecimal value) implements Parsed {
    }

    public record Invalid(String reason) implements Parsed {
    }

    public static Parsed parse(String text, int scale) {
        if (text == null || text.isBlank()) {
            return new Invalid("amount is missing");
        }
        if (text.length() > MAX_TEXT_LENGTH) {
            return new Invalid("amount is longer than " + MAX_TEXT_LENGTH + " characters");
        }
        String trimmed = text.trim();
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            // BigDecimal also reads digits of other scripts ("١٢" as 12); an amount is plain ASCII.
            if ((c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') {
                return new Invalid("amount '" + text + "' is not a decimal number (digits 0-9, a sign, '.', an exponent)");
            }
        }
        BigDecimal value;
        try {
            value = new BigDecimal(trimmed);
        } catch (NumberFormatException e) {
            return new Invalid("amount '" + text + "' is not a decimal number");
        }
        return fit(value, scale);
    }

    /** Why {@code op} cannot take {@code amount} (every op but {@code set} takes only amounts above zero), or null. */
    public static String signProblem(Op op, BigDecimal amount) {
        if (op != Op.SET && amount.signum() <= 0) {
            return op.wireName() + " takes an amount greater than zero, got " + amount.toPlainString();
        }
        return null;
    }

    /** {@code value} at {@code scale}, or why it does not fit: too many decimals or digits. */
    public static Parsed fit(BigDecimal value, int scale) {
        if (value.signum() == 0) {
            return new Exact(BigDecimal.ZERO.setScale(scale));
        }
        // Integer digits are checked before setScale so that 1e999999999 is refused without
        // materialising a billion-digit number.
        long integerDigits = (long) value.precision() - value.scale();
        if (integerDigits > MAX_DIGITS - scale) {
            return new Invalid("amount " + abbreviate(value) + " has more than " + (MAX_DIGITS - scale)
                    + " digits before the decimal point");
        }
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() > scale) {
            return new Invalid("amount " + abbreviate(value) + " has more than " + scale + " decimal places");
        }
        return new Exact(value.setScale(scale));
    }

    private static String abbreviate(BigDecimal value) {
        String text = value.toString();
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
